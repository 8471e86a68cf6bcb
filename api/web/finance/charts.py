"""Bar charts drawn on the server as SVG geometry (the template writes the elements): no script, no inline style,
colours come from CSS classes, every bar carries its value as a tooltip and the page has the numbers as a table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 12, 36  # room for the value axis on the left, the column labels below
MAX_LABELS = 12  # column labels shown at most; a month of days keeps every third or so


@dataclass(frozen=True, slots=True)
class Segment:
    css: str  # the series' class: its colour comes from site.css
    value: int
    title: str  # what a pointer over the bar (or a screen reader) reads


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Mark:
    at: float  # y of a value tick, x of a column label
    label: str


@dataclass
class Chart:
    title: str
    rects: list[Rect] = field(default_factory=list)
    ticks: list[Mark] = field(default_factory=list)
    columns: list[Mark] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css, label)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM

    @property
    def has_data(self) -> bool:
        return bool(self.rects)


def nice_step(peak: int, ticks: int = 4, *, unit: int = 1) -> int:
    """A round step (1, 2 or 5 times a power of ten, at least `unit`) giving about `ticks` lines up to `peak`."""
    rough = max(-(-peak // ticks), unit, 1)
    power = 1
    while power * 10 <= rough:
        power *= 10
    for multiple in (1, 2, 5, 10):
        if power * multiple >= rough:
            return power * multiple
    return power * 10


def stacked_bars(
    title: str,
    columns: Sequence[str],
    stacks: Sequence[Sequence[Segment]],
    fmt: Callable[[int], str],
    *,
    legend: Sequence[tuple[str, str]] = (),
    unit: int = 1,
) -> Chart:
    """One column per label, its segments stacked from the baseline; `fmt` writes values on the axis."""
    chart = Chart(title, legend=list(legend))
    peak = max((sum(s.value for s in stack) for stack in stacks), default=0)
    if peak <= 0:
        return chart
    step = nice_step(peak, unit=unit)
    top = step * -(-peak // step)  # the first tick at or above the highest column
    plot_height = chart.baseline - TOP
    scale = plot_height / top
    chart.ticks = [Mark(chart.baseline - v * scale, fmt(v)) for v in range(0, top + 1, step)]
    slot = (chart.right - chart.left) / max(len(columns), 1)
    bar = max(slot * 0.7, 1.0)
    every = -(-len(columns) // MAX_LABELS)
    for i, (label, stack) in enumerate(zip(columns, stacks, strict=True)):
        x = chart.left + i * slot + (slot - bar) / 2
        if i % every == 0:
            chart.columns.append(Mark(x + bar / 2, label))
        y = float(chart.baseline)
        for segment in stack:
            if segment.value <= 0:
                continue
            height = segment.value * scale
            y -= height
            chart.rects.append(
                Rect(round(x, 2), round(y, 2), round(bar, 2), round(height, 2), segment.css, segment.title)
            )
    return chart
