"""Small-cell suppression: no count from 1 to 4 is published, nor one that a total and the
other cells would give away."""

from __future__ import annotations

from datetime import date

import pytest

from webhooks.reports.suppression import MARKER, suppress, suppress_figure, suppress_row
from webhooks.reports.tables import Table


@pytest.mark.parametrize(
    ("cells", "total", "expected_cells", "expected_total"),
    [
        # nothing small: all shown
        ({"sms": 7, "web": 5}, 12, {"sms": 7, "web": 5}, 12),
        # zeros are shown: they identify no one
        ({"sms": 9, "web": 0}, 9, {"sms": 9, "web": 0}, 9),
        # one small cell: the smallest other non-zero cell is hidden with it
        (
            {"sms": 20, "web": 3, "whatsapp": 6},
            29,
            {"sms": 20, "web": MARKER, "whatsapp": MARKER},
            29,
        ),
        # two small cells already protect each other
        (
            {"sms": 20, "web": 3, "whatsapp": 2},
            25,
            {"sms": 20, "web": MARKER, "whatsapp": MARKER},
            25,
        ),
        # a small total is hidden (and so is every small cell in it)
        ({"sms": 3, "web": 0}, 3, {"sms": MARKER, "web": 0}, MARKER),
        ({"sms": 2, "web": 2}, 4, {"sms": MARKER, "web": MARKER}, MARKER),
    ],
)
def test_primary_and_complementary_suppression(cells, total, expected_cells, expected_total):
    shown_total, shown = suppress_row(cells, total, additive=True)
    assert (shown, shown_total) == (expected_cells, expected_total)


def test_a_lone_hidden_cell_can_never_be_worked_out_from_the_total():
    cells = {"a": 40, "b": 1, "c": 12, "d": 9}
    total, shown = suppress_row(cells, sum(cells.values()), additive=True)
    known = sum(v for v in shown.values() if v != MARKER)
    hidden = [c for c, v in shown.items() if v == MARKER]
    assert len(hidden) >= 2 and total - known != cells["b"]


def test_cells_that_do_not_add_up_need_no_partner():
    # several answers per wrap-up: the total (wrap-ups) minus the others says nothing
    total, shown = suppress_row({"fraud": 9, "wages": 2}, 10, additive=False)
    assert shown == {"fraud": 9, "wages": MARKER} and total == 10


def test_each_period_is_suppressed_on_its_own():
    first, second = date(2026, 10, 5), date(2026, 10, 12)
    table = Table(
        "contacts_by_channel", "Contacts", "contacts", [first, second], ["sms", "web"],
        cells={(first, "sms"): 8, (first, "web"): 1, (second, "sms"): 6, (second, "web"): 6},
        totals={first: 9, second: 12},
    )  # fmt: skip
    rows = suppress(table)
    assert [(r.period, r.total, r.cells) for r in rows] == [
        (first, 9, {"sms": MARKER, "web": MARKER}),
        (second, 12, {"sms": 6, "web": 6}),
    ]


def test_a_median_of_few_hand_offs_is_hidden():
    assert suppress_figure(12.5, based_on=4) == MARKER
    assert suppress_figure(12.5, based_on=5) == 12.5
    assert suppress_figure(None, based_on=0) is None
