"""Counsellors' opening hours in Nepal time, with holidays (data/counsellor_schedule.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    hours: dict[int, tuple[time, time]]  # weekday (Monday=0) -> opening, closing
    holidays: frozenset[date]

    @classmethod
    def load(cls, path: str | Path) -> Schedule:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
        hours = {}
        for index, day in enumerate(DAYS):
            span = raw["hours"].get(day)
            if span:
                opening, closing = (time.fromisoformat(value) for value in span)
                if closing <= opening:
                    raise ValueError(f"{day}: closing time must be after opening time")
                hours[index] = (opening, closing)
        holidays = frozenset(date.fromisoformat(str(value)) for value in raw.get("holidays") or [])
        return cls(ZoneInfo(raw["timezone"]), hours, holidays)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        span = self.hours.get(local.weekday())
        if span is None or local.date() in self.holidays:
            return False
        return span[0] <= local.time() < span[1]

    def next_opening(self, moment: datetime) -> datetime | None:
        """The next time the desk opens (now, if open); None if it never opens in 60 days."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(61):
            day = local.date() + timedelta(days=offset)
            span = self.hours.get(day.weekday())
            if span is None or day in self.holidays:
                continue
            opening = datetime.combine(day, span[0], tzinfo=self.zone)
            if opening > local:
                return opening
        return None
