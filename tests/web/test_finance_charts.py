"""Server-drawn bar charts: round axis steps, bars proportional to their values, stacks that never overlap."""

from __future__ import annotations

import pytest

from api.web.finance.charts import Segment, nice_step, stacked_bars


@pytest.mark.parametrize(
    ("peak", "unit", "step"),
    [(7, 1, 2), (100, 1, 50), (12_990, 1, 5_000), (12_990, 100, 5_000), (150, 100, 100), (0, 1, 1)],
)
def test_nice_step(peak: int, unit: int, step: int) -> None:
    assert nice_step(peak, unit=unit) == step


def test_bars_are_proportional_and_stacked_from_the_baseline() -> None:
    chart = stacked_bars(
        "t",
        ["a", "b"],
        [
            [Segment("refunds", 300, "a refunds"), Segment("store_credits", 100, "a credits")],
            [Segment("refunds", 200, "b")],
        ],
        str,
    )
    first, second, third = chart.rects
    assert first.y + first.height == chart.baseline  # the first segment stands on the axis
    assert second.y + second.height == pytest.approx(first.y)  # the next one on top of it
    assert first.height == pytest.approx(3 * second.height) and third.height == pytest.approx(2 * second.height)
    assert [t.label for t in chart.ticks] == ["0", "100", "200", "300", "400"]
    assert chart.has_data and [c.label for c in chart.columns] == ["a", "b"]


def test_nothing_to_draw_gives_an_empty_chart() -> None:
    chart = stacked_bars("t", ["a"], [[Segment("refunds", 0, "")]], str)
    assert not chart.has_data and chart.ticks == []


def test_a_long_period_labels_every_few_columns() -> None:
    days = [f"d{i}" for i in range(31)]
    chart = stacked_bars("t", days, [[Segment("refunds", 1, "")] for _ in days], str)
    assert len(chart.rects) == 31 and len(chart.columns) <= 12
