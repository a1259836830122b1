from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from webhooks.config import REPO_ROOT
from webhooks.handoffs.schedule import Schedule

NEPAL = ZoneInfo("Asia/Kathmandu")


@pytest.fixture
def schedule(tmp_path) -> Schedule:
    path = tmp_path / "schedule.yml"
    path.write_text(
        "timezone: Asia/Kathmandu\n"
        "hours:\n  sunday: ['09:00', '18:00']\n  monday: ['09:00', '18:00']\n"
        "  friday: ['09:00', '15:00']\n  saturday: null\n"
        "holidays: [2026-11-30]\n"
    )
    return Schedule.load(path)


def nepal(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEPAL)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (nepal(2026, 11, 29, 9, 0), True),  # Sunday opening minute
        (nepal(2026, 11, 29, 17, 59), True),
        (nepal(2026, 11, 29, 18, 0), False),  # closing is exclusive
        (nepal(2026, 11, 29, 8, 59), False),
        (nepal(2026, 11, 28, 12, 0), False),  # Saturday
        (nepal(2026, 11, 30, 12, 0), False),  # Monday, but a holiday
        (nepal(2026, 11, 27, 14, 59), True),  # Friday short day
        (nepal(2026, 11, 27, 15, 0), False),
        (datetime(2026, 11, 29, 3, 15, tzinfo=timezone.utc), True),  # 09:00 in Nepal (+5:45)
        (datetime(2026, 11, 29, 3, 14, tzinfo=timezone.utc), False),
    ],
)
def test_is_open_in_nepal_time(schedule, moment, open_):
    assert schedule.is_open(moment) is open_


def test_next_opening_skips_weekends_and_holidays(schedule):
    friday_evening = nepal(2026, 11, 27, 16, 0)
    assert schedule.next_opening(friday_evening) == nepal(2026, 11, 29, 9, 0)
    sunday_night = nepal(2026, 11, 29, 20, 0)
    # Monday 30th is a holiday; the desk is closed until Friday in this test schedule
    assert schedule.next_opening(sunday_night) == nepal(2026, 12, 4, 9, 0)
    assert schedule.next_opening(nepal(2026, 11, 29, 10, 0)) == nepal(2026, 11, 29, 10, 0)


def test_the_shipped_schedule_loads():
    shipped = Schedule.load(f"{REPO_ROOT}/data/counsellor_schedule.yml")
    assert shipped.zone.key == "Asia/Kathmandu"
    assert shipped.hours


def test_closing_before_opening_is_rejected(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("timezone: Asia/Kathmandu\nhours:\n  sunday: ['18:00', '09:00']\n")
    with pytest.raises(ValueError, match="sunday"):
        Schedule.load(path)
