"""Progress of an indicator from its baseline toward its target, as numbers for a small SVG.

The template `strategies/_chart.html` draws the SVG; everything it needs is computed here, so
the chart is plain server-rendered markup (no script) and the same sentence serves as its text
alternative and as the line under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext

from portal.labels import DIRECTION
from portal.strategies.models import Direction, Indicator
from portal.templating import format_day, format_number

WIDTH, HEIGHT = 360, 160
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 26


@dataclass
class Point:
    x: float
    y: float
    label: str


@dataclass
class Chart:
    """Geometry in SVG units plus the text alternative."""

    indicator_id: int
    width: int
    height: int
    points: list[Point]
    target_y: float
    baseline_y: float | None
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]  # x, label, text-anchor
    progress: float | None  # 0.0 at the baseline, 1.0 at the target (can pass either end)
    reached: bool
    summary: str
    plot: dict[str, float] = field(default_factory=dict)

    @property
    def progress_percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)

    @property
    def bar_width(self) -> float:
        """The progress bar's filled width (clamped to the bar)."""
        share = min(max(self.progress or 0.0, 0.0), 1.0)
        return round(share * (self.width - LEFT - RIGHT), 1)


def _start_value(indicator: Indicator) -> Decimal | None:
    if indicator.baseline is not None:
        return indicator.baseline
    if len(indicator.measurements) > 1:
        return indicator.measurements[0].value
    return None


def progress_of(indicator: Indicator) -> float | None:
    """How far the latest measurement has come from the start toward the target."""
    start, latest = _start_value(indicator), indicator.latest
    if start is None or latest is None or indicator.target == start:
        return None
    return float((latest.value - start) / (indicator.target - start))


def has_reached(indicator: Indicator) -> bool:
    latest = indicator.latest
    if latest is None:
        return False
    if indicator.direction is Direction.LOWER_IS_BETTER:
        return latest.value <= indicator.target
    return latest.value >= indicator.target


def summary_of(indicator: Indicator) -> str:
    """One sentence a screen reader (and everyone else) can read instead of the chart."""
    unit = indicator.unit
    parts = [
        gettext("Target %(target)s %(unit)s", target=format_number(indicator.target), unit=unit)
    ]
    if indicator.target_date:
        parts[0] += " " + gettext("by %(day)s", day=format_day(indicator.target_date))
    parts[0] += f" ({DIRECTION[indicator.direction]})."
    if indicator.baseline is not None:
        parts.append(
            gettext(
                "Baseline %(value)s %(unit)s.", value=format_number(indicator.baseline), unit=unit
            )
        )
    latest = indicator.latest
    if latest is None:
        parts.append(gettext("No measurements yet."))
    else:
        parts.append(
            gettext(
                "Latest measurement %(value)s %(unit)s on %(day)s.",
                value=format_number(latest.value),
                unit=unit,
                day=format_day(latest.measured_on),
            )
        )
        progress = progress_of(indicator)
        if has_reached(indicator):
            parts.append(gettext("The target is reached."))
        elif progress is not None:
            parts.append(
                gettext(
                    "%(percent)s percent of the way from the baseline to the target.",
                    percent=round(progress * 100),
                )
            )
    return " ".join(parts)


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):
    span = hi - lo or 1.0
    return lambda v: round(out_lo + (float(v) - lo) / span * (out_hi - out_lo), 1)


def indicator_chart(indicator: Indicator) -> Chart:
    """The chart of one indicator: measurements over time against baseline and target lines."""
    values = [float(m.value) for m in indicator.measurements] + [float(indicator.target)]
    if indicator.baseline is not None:
        values.append(float(indicator.baseline))
    lo, hi = min(values + [0.0]), max(values)
    hi = hi + (hi - lo) * 0.1 or 1.0
    y = _scale(lo, hi, HEIGHT - BOTTOM, TOP)

    days = [m.measured_on for m in indicator.measurements]
    strategy = indicator.goal.strategy
    first = min([date(strategy.period_from, 1, 1), *days])
    last = max([indicator.target_date or date(strategy.period_to, 12, 31), *days])
    x = _scale(first.toordinal(), last.toordinal(), LEFT, WIDTH - RIGHT)

    points = [
        Point(
            x(m.measured_on.toordinal()),
            y(m.value),
            f"{format_number(m.value)} {indicator.unit} ({format_day(m.measured_on)})",
        )
        for m in indicator.measurements
    ]
    # Label the values a reader compares against: zero (or the floor), baseline and target.
    marks = {Decimal(str(lo)), indicator.target}
    if indicator.baseline is not None:
        marks.add(indicator.baseline)
    y_ticks = [(y(v), format_number(v)) for v in sorted(marks)]
    x_ticks = [(x(first.toordinal()), str(first.year), "start"),
               (x(last.toordinal()), str(last.year), "end")]  # fmt: skip
    return Chart(
        indicator_id=indicator.id,
        width=WIDTH,
        height=HEIGHT,
        points=points,
        target_y=y(indicator.target),
        baseline_y=y(indicator.baseline) if indicator.baseline is not None else None,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        progress=progress_of(indicator),
        reached=has_reached(indicator),
        summary=summary_of(indicator),
        plot={"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM},
    )
