"""Small-cell suppression for published tables: no count from 1 to 4 is ever shown.

1. Primary: a cell, or a period's total, from 1 to ``THRESHOLD - 1`` is shown as "<5".
   Zero is shown: it says that nothing happened, which identifies no one.
2. Complementary: in a table whose cells add up to the period's total (``additive``), a
   period with exactly one hidden cell would give it away (total minus the others), so the
   smallest other non-zero cell of that period is hidden too. When there is none, the total
   is hidden instead.

Each period is suppressed on its own (no totals across periods are published), so the same
period looks the same in every export, whatever date range was asked: comparing two exports
reveals nothing one of them hides. What this does not protect against, and why that is
acceptable here, is written in docs/data-dictionary.md ("Small cells").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webhooks.reports.tables import Table

THRESHOLD = 5
MARKER = f"<{THRESHOLD}"

Shown = int | str  # a count, or MARKER


@dataclass(frozen=True)
class SuppressedRow:
    period: date
    total: Shown
    cells: dict[str, Shown]


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def suppress_row(
    cells: dict[str, int], total: int, additive: bool
) -> tuple[Shown, dict[str, Shown]]:
    """One period's cells and total as they may be published."""
    hidden = {category for category, count in cells.items() if is_small(count)}
    hide_total = is_small(total)
    if additive and not hide_total and len(hidden) == 1:
        partners = sorted(
            (count, category)
            for category, count in cells.items()
            if category not in hidden and count > 0
        )
        if partners:
            hidden.add(partners[0][1])
        else:
            hide_total = True
    shown = {c: (MARKER if c in hidden else count) for c, count in cells.items()}
    return (MARKER if hide_total else total), shown


def suppress(table: Table) -> list[SuppressedRow]:
    rows = []
    for period in table.periods:
        cells = {category: table.cell(period, category) for category in table.categories}
        total, shown = suppress_row(cells, table.totals.get(period, 0), table.additive)
        rows.append(SuppressedRow(period, total, shown))
    return rows


def suppress_figure(value: float | None, based_on: int) -> float | str | None:
    """A statistic (a median) of fewer than THRESHOLD events would describe someone: hidden."""
    if value is None:
        return None
    return MARKER if based_on < THRESHOLD else value
