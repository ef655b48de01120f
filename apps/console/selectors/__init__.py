"""The console's reads. The operator overview: the business at a glance for a period, computed
from the database and the upstream's public pricing feed (as cached by the proxies' pricing
service; these selectors never call the upstream). The admin view only renders what this returns.

Definitions (also in docs/operator-guide.md):
- orders paid in the period: paid_at inside it, whatever happened to them since;
- revenue: what those orders brought in (amount paid, else the price), per currency; refunds are
  the refunds recorded in the period; net = revenue - refunds;
- GB sold: the GB of the orders paid in the period; GB used: the traffic the usage history
  recorded on the days of the period (every key);
- wholesale: the upstream's shared-pool price per GB; cost of GB sold = GB sold x wholesale;
  GB sold counts pool-traffic orders only (a port plan's quantity is ports);
  cost of ports sold = each port order's plan period at the tariffs feed's slot price;
  margin = net revenue - cost of GB sold - cost of ports sold (only for the currency the
  wholesale price is in; "port costs unknown" when the tariffs were not read yet);
- trends: the same figures per UTC day (net revenue per currency, GB sold, new customers), for
  the period or at least the last TREND_MIN_DAYS days.
"""

from .customer_view import CustomerOverview, Spend, customer_console_overview
from .overview import (
    CENT,
    NEAR_CAP_SHOWN,
    ZERO,
    Margin,
    NearCapKey,
    Overview,
    RevenueLine,
    operator_overview,
)
from .periods import DEFAULT_PERIOD, PERIOD_CHOICES, Period, overview_period
from .pricing import CURRENCY_ALIASES, Wholesale, wholesale_price_get
from .trends import TREND_MIN_DAYS, BarChart, Trends, operator_trends

__all__ = [
    "CENT",
    "CURRENCY_ALIASES",
    "DEFAULT_PERIOD",
    "NEAR_CAP_SHOWN",
    "PERIOD_CHOICES",
    "TREND_MIN_DAYS",
    "ZERO",
    "BarChart",
    "CustomerOverview",
    "Margin",
    "NearCapKey",
    "Overview",
    "Period",
    "RevenueLine",
    "Spend",
    "Trends",
    "Wholesale",
    "customer_console_overview",
    "operator_overview",
    "operator_trends",
    "overview_period",
    "wholesale_price_get",
]
