"""The operator console: the top floor. It may import every other app and none imports it.

It owns the admin site itself (site.py: header, two-factor login, the overview URL), the
operator overview (views.py, selectors/), and the customer (User) admin with the customer's keys,
orders and audit entries and the audited "view as customer" (admin/). Each app keeps the admin
of its own records; what crosses apps lives here."""
