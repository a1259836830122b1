"""Bulk changes to the directory: CSV import/export and the shipped seed file.

All or nothing: every row is validated first; if any row has an error nothing is written and
each error is reported with its line number. A dry run does everything except commit.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from sqlalchemy import select

from webhooks.audit import audit
from webhooks.extensions import db
from webhooks.models import User
from webhooks.referrals import entries
from webhooks.referrals.geo import gazetteer
from webhooks.referrals.models import ReferralService

SEED_FILE = Path(__file__).resolve().parents[2] / "data" / "referrals" / "seed.yml"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line or entry number, message)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        text = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )
        return text + (" (dry run: nothing saved)" if self.dry_run else "")


def read_csv(stream: IO[str]) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    reader = csv.DictReader(stream)
    header = [name.strip() for name in (reader.fieldnames or [])]
    errors: list[tuple[int, str]] = []
    missing = [name for name in entries.REQUIRED if name not in header]
    unknown = [name for name in header if name not in entries.COLUMNS]
    if missing:
        errors.append((1, f"missing columns: {', '.join(missing)}"))
    if unknown:
        errors.append(
            (
                1,
                f"unknown columns: {', '.join(unknown)} (expected some of: "
                f"{', '.join(entries.COLUMNS)})",
            )
        )
    if errors:
        return [], errors
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            errors.append((reader.line_num, "more values than columns"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # blank line
        rows.append((reader.line_num, {k: unguard_cell(v) for k, v in row.items()}))
    return rows, errors


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """Prefix a quote to text a spreadsheet would run as a formula (``+977…`` included)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard_cell(value: Any) -> Any:
    """Undo ``guard_cell`` on import, so export then import changes nothing."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write_csv(stream: IO[str], services: Iterable[ReferralService]) -> int:
    geo = gazetteer()
    writer = csv.DictWriter(stream, fieldnames=list(entries.COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for service in services:
        writer.writerow({k: guard_cell(v) for k, v in entries.to_row(service, geo).items()})
        count += 1
    return count


def all_services() -> list[ReferralService]:
    return list(db.session.scalars(select(ReferralService).order_by(ReferralService.slug)))


def load_rows(
    rows: list[tuple[int, dict[str, Any]]],
    *,
    via: str,
    user: User | None = None,
    dry_run: bool = False,
    update_existing: bool = True,
) -> LoadReport:
    geo = gazetteer()
    report = LoadReport(dry_run=dry_run)
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for line, raw in rows:
        clean, errors = entries.validate(raw, geo)
        report.errors.extend((line, message) for message in errors)
        cleaned.append((line, clean))
    slugs = Counter(clean["slug"] for _, clean in cleaned if clean["slug"])
    for line, clean in cleaned:
        if slugs[clean["slug"]] > 1:
            report.errors.append((line, f"slug {clean['slug']!r} appears more than once"))
    if report.errors:
        return report

    events: list[dict[str, Any]] = []
    for line, clean in cleaned:
        service = entries.find_service(clean["slug"])
        if service is not None and not update_existing:
            report.unchanged.append(clean["slug"])
            continue
        if service is not None and service.verified and clean["verified"]:
            changed_contact = entries.contact_changed(service, clean)
            if changed_contact and clean["last_verified"] == service.last_verified:
                message = (
                    f"{', '.join(changed_contact)} changed on a verified entry but "
                    "last_verified did not: set verified to false, or give the date you "
                    "checked the new details"
                )
                report.errors.append((line, message))
                continue
        organisation, org_changes = entries.organisation_for(clean)
        if service is None:
            service = ReferralService(slug=clean["slug"], organisation=organisation)
            db.session.add(service)
            entries.apply(service, clean)
            report.created.append(clean["slug"])
            events.append({"action": "referral.create", "service": service, "fields": []})
            continue
        changes = org_changes + entries.apply(service, clean)
        if service.organisation is not organisation:
            service.organisation = organisation
            changes.append("organisation")
        if changes:
            report.updated.append((clean["slug"], changes))
            events.append({"action": "referral.update", "service": service, "fields": changes})
        else:
            report.unchanged.append(clean["slug"])

    if report.errors or dry_run or not events:
        db.session.rollback()
        return report
    db.session.flush()  # ids for the audit trail
    for event in events:
        audit(
            event["action"],
            user,
            service_id=event["service"].id,
            slug=event["service"].slug,
            fields=event["fields"],
            via=via,
        )
    audit(
        f"referral.{via}",
        user,
        created=len(report.created),
        updated=len(report.updated),
        unchanged=len(report.unchanged),
    )
    db.session.commit()
    return report


def seed_rows(path: Path = SEED_FILE) -> list[tuple[int, dict[str, Any]]]:
    """The seed file's services as flat rows (numbered from 1), organisation fields filled in."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    organisations = {o["slug"]: o for o in data["organisations"]}
    rows = []
    for number, entry in enumerate(data["services"], start=1):
        row = {k: v for k, v in entry.items() if k != "organisation"}
        organisation = organisations.get(entry.get("organisation"), {})
        row.update(
            organisation_slug=entry.get("organisation"),
            organisation_en=organisation.get("en"),
            organisation_ne=organisation.get("ne"),
            organisation_website=organisation.get("website"),
        )
        unknown = set(row) - set(entries.COLUMNS)
        if unknown:
            row["__unknown__"] = sorted(unknown)
        rows.append((number, row))
    return rows


def seed(path: Path = SEED_FILE, *, update: bool = False, dry_run: bool = False) -> LoadReport:
    rows = seed_rows(path)
    bad = [
        (n, f"unknown fields: {', '.join(r['__unknown__'])}") for n, r in rows if "__unknown__" in r
    ]
    if bad:
        return LoadReport(errors=bad, dry_run=dry_run)
    return load_rows(rows, via="seed", dry_run=dry_run, update_existing=update)
