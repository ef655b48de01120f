"""Bar charts drawn on the server (SVG, no script: templates/_bar_chart_svg.html): the geometry
of one bar per day, shared by the customers' usage chart (apps.proxies.selectors_usage) and the
console's revenue charts (apps.console.selectors.trends). Knows nothing of what is counted."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

WIDTH, HEIGHT = 640, 200
# Margins wide enough for labels drawn twice as large on a phone (usage-chart.css), so they stay
# at least 11 px on screen when the chart is scaled down to half.
LEFT, RIGHT, TOP, BOTTOM = 64, 28, 34, 32
_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
ZERO = Decimal(0)


@dataclass(frozen=True)
class ChartBar:
    day: date
    value: Decimal  # in the chart's unit
    x: str
    y: str
    width: str
    height: str
    title: str


@dataclass(frozen=True)
class ChartTick:
    y: str
    label: str


@dataclass(frozen=True)
class ChartLabel:
    x: str
    label: str


@dataclass(frozen=True)
class BarGeometry:
    bars: list[ChartBar]
    ticks: list[ChartTick]
    labels: list[ChartLabel]


def chart_number(value: Decimal) -> str:
    """A figure on a chart: 2 decimals under 10, 1 under 100, whole above; no trailing zeros."""
    if value == 0:
        return "0"
    places = Decimal("0.01") if abs(value) < 10 else Decimal("0.1") if abs(value) < 100 else Decimal(1)
    text = format(value.quantize(places, rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _nice_max(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 x 10^n at or above `value` (the top of the axis)."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in _STEPS:
        if step * magnitude >= value:
            return step * magnitude
    return Decimal(10) * magnitude


def _px(value: float) -> str:
    return f"{value:.1f}"


def bar_geometry(*, days: list[date], values: list[Decimal], unit: str, label_every: int = 7) -> BarGeometry:
    """One bar per day (`values` in `unit`, oldest first; a value at or below 0 draws no bar), five
    ticks on the axis, and a day label every `label_every` days counted back from the last."""
    top = _nice_max(max(values, default=ZERO))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    bars = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = float(value / top) * plot_h if top and value > 0 else 0.0
        if value > 0:
            height = max(height, 1.0)  # a little still shows
        bars.append(
            ChartBar(
                day=day,
                value=value,
                x=_px(LEFT + index * slot + slot * 0.15),
                y=_px(TOP + plot_h - height),
                width=_px(slot * 0.7),
                height=_px(height),
                title=f"{day:%b} {day.day}: {chart_number(value)} {unit}".strip(),
            )
        )
    ticks = [
        ChartTick(y=_px(TOP + plot_h - plot_h * fraction), label=chart_number(top * Decimal(str(fraction))))
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    labels = [
        ChartLabel(x=_px(LEFT + index * slot + slot / 2), label=f"{day:%b} {day.day}")
        for index, day in enumerate(days)
        if (len(days) - 1 - index) % label_every == 0
    ]
    return BarGeometry(bars=bars, ticks=ticks, labels=labels)
