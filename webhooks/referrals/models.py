"""The referral directory: a simplified Open Referral HSDS (organisation -> service).

HSDS tables folded into the service row, because the directory is small and each service
has one contact point: location (address, district), phone, service_area (districts,
provinces, countries), languages, schedule (hours), eligibility. Service areas are kept as
JSON lists of district ids, province ids and ISO country codes; an empty area means national.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webhooks.extensions import db
from webhooks.models import User, utcnow


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    UNCONFIRMED = "unconfirmed"


class Status(str, Enum):
    ACTIVE = "active"
    RETIRED = "retired"


class ReferralOrganisation(db.Model):
    __tablename__ = "referral_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ne: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    services: Mapped[list[ReferralService]] = relationship(back_populates="organisation")


class ReferralService(db.Model):
    __tablename__ = "referral_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("referral_organisations.id"), index=True
    )
    name_en: Mapped[str] = mapped_column(String(200))
    name_ne: Mapped[str | None] = mapped_column(String(200))
    description_en: Mapped[str | None] = mapped_column(Text)
    description_ne: Mapped[str | None] = mapped_column(Text)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    district_ids: Mapped[list] = mapped_column(JSON, default=list)
    province_ids: Mapped[list] = mapped_column(JSON, default=list)
    country_codes: Mapped[list] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(120))
    address_en: Mapped[str | None] = mapped_column(String(300))
    address_ne: Mapped[str | None] = mapped_column(String(300))
    hours_en: Mapped[str | None] = mapped_column(String(200))
    hours_ne: Mapped[str | None] = mapped_column(String(200))
    open_24h: Mapped[bool] = mapped_column(default=False)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    eligibility_en: Mapped[str | None] = mapped_column(Text)
    eligibility_ne: Mapped[str | None] = mapped_column(Text)
    # Trust, two levels. Verified by phone: a person called the number (or reached the
    # service directly) and it answered as this service, on `last_verified`; only these
    # entries ever reach people through the bot. Desk-checked: the details match an official
    # page or documents (on `desk_checked`), nobody has called: counsellors only.
    verified: Mapped[bool] = mapped_column(default=False, index=True)
    last_verified: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    desk_checked: Mapped[date | None] = mapped_column(Date)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    confidence: Mapped[str] = mapped_column(String(12), default=Confidence.UNCONFIRMED.value)
    notes: Mapped[str | None] = mapped_column(Text)  # internal: counsellors only, never the bot
    priority: Mapped[int] = mapped_column(default=100)  # lower first within a match level
    is_fallback: Mapped[bool] = mapped_column(default=False)  # offered when nothing matches
    status: Mapped[str] = mapped_column(String(10), default=Status.ACTIVE.value, index=True)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[ReferralOrganisation] = relationship(back_populates="services")
    verified_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.status == Status.ACTIVE.value

    @property
    def check_status(self) -> str:
        """ "phone" (verified by phone), "desk" (desk-checked only) or "none"."""
        if self.verified:
            return "phone"
        return "desk" if self.desk_checked else "none"

    @property
    def scope(self) -> str:
        if self.country_codes:
            return "country"
        if self.district_ids:
            return "district"
        if self.province_ids:
            return "province"
        return "national"

    def is_stale(self, today: date, max_age_days: int) -> bool:
        """Never checked, or last checked more than ``max_age_days`` ago."""
        return self.last_verified is None or today - self.last_verified > timedelta(
            days=max_age_days
        )
