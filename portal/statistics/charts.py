"""Horizontal bar charts as SVG geometry: the template draws what is computed here.

Each row is a label line over its bar, so long Norwegian labels never squeeze the bars and
the chart reads on a 320 px phone as on a desktop. The numbers are also in a table after
every chart (the chart is a picture of the table, not the only copy of it).
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 360
ROW = 40  # a label line and a bar
BAR = 12
LABEL_CHARS = 42
COUNT_ROOM = 52  # right of the longest bar, for its count ("100 %")


@dataclass(frozen=True)
class Bar:
    label: str  # shortened to fit; the table has it whole
    count: int
    url: str | None
    label_y: int
    bar_y: int
    width: float
    count_x: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    bars: list[Bar]
    width: int
    height: int


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int, str | None]]) -> BarChart:
    """Bars for (label, count, link) rows, in the order given."""
    most = max((count for _label, count, _url in rows), default=0) or 1
    room = WIDTH - COUNT_ROOM
    bars = []
    for index, (label, count, url) in enumerate(rows):
        top = index * ROW
        width = room * count / most
        bars.append(
            Bar(
                label=label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…",
                count=count,
                url=url,
                label_y=top + 16,
                bar_y=top + 22,
                width=round(max(width, 2 if count else 0), 1),
                count_x=round(width + 6, 1),
            )
        )
    return BarChart(chart_id, title, bars, WIDTH, max(len(rows) * ROW, ROW))
