"""CSV import (validated, per-row errors, dry run), export, and the idempotent seed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import func, select

from tests.console.support import actions
from webhooks.extensions import db
from webhooks.referrals import entries, loader
from webhooks.referrals.geo import gazetteer
from webhooks.referrals.models import ReferralService

HEADER = "slug,organisation_slug,organisation_en,name_en,needs,districts,phone,verified,last_verified,sources\n"  # noqa: E501


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReferralService))


def run(app, args: list[str]):
    return app.test_cli_runner().invoke(args=["referrals", *args])


def write(tmp_path: Path, body: str, name: str = "in.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


GOOD = (
    "shelter-ktm,org-a,Org A,Shelter KTM,shelter,Kathmandu,01-4000000,false,,\n"
    "legal-pkr,org-a,Org A,Legal Pokhara,legal_aid;shelter,Kaski,,false,,\n"
)


def test_import_creates_entries_and_audits(app, tmp_path):
    result = run(app, ["import", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert count() == 2
    service = db.session.scalar(select(ReferralService).filter_by(slug="legal-pkr"))
    assert service.needs == ["legal_aid", "shelter"] and service.district_ids == [38]
    assert service.verified is False
    assert actions() == ["referral.create", "referral.create", "referral.import"]
    again = run(app, ["import", write(tmp_path, GOOD)])
    assert "0 created, 0 updated, 2 unchanged" in again.output


def test_dry_run_reports_but_saves_nothing(app, tmp_path):
    result = run(app, ["import", "--dry-run", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output and "dry run" in result.output
    assert count() == 0 and actions() == []


def test_errors_are_reported_per_row_and_nothing_is_saved(app, tmp_path):
    body = (
        "ok-row,org-a,Org A,Fine,shelter,Kathmandu,,false,,\n"  # line 2
        "Bad Slug,org-a,Org A,X,shelter,,,false,,\n"  # line 3
        "no-need,org-a,Org A,X,,,,false,,\n"  # line 4
        "bad-need,org-a,Org A,X,pizza,,,false,,\n"  # line 5
        "bad-district,org-a,Org A,X,shelter,Atlantis,,false,,\n"  # line 6
        "split,org-a,Org A,X,shelter,Nawalparasi,,false,,\n"  # line 7
        "bad-phone,org-a,Org A,X,shelter,,12ab,false,,\n"  # line 8
        "verified-bare,org-a,Org A,X,shelter,,1145,true,,\n"  # line 9
        "future,org-a,Org A,X,shelter,,1145,true,2999-01-01,src\n"  # line 10
        "ok-row,org-a,Org A,Twice,shelter,,,false,,\n"  # line 11: duplicate slug
        ",org-a,Org A,,shelter,,,maybe,,\n"  # line 12
    )
    result = run(app, ["import", write(tmp_path, body)])
    assert result.exit_code != 0
    out = result.output
    assert "line 3: slug 'Bad Slug'" in out
    assert "line 4: needs: give at least one need" in out
    assert "line 5: needs: unknown need 'pizza'" in out
    assert "line 6: districts: unknown district 'Atlantis'" in out
    assert "line 7: districts: unknown district 'Nawalparasi' (Nawalparasi is now two" in out
    assert "line 8: phone '12ab'" in out
    assert "line 9: verified entries need last_verified" in out
    assert "line 9: verified entries need sources" in out
    assert "line 10: last_verified is in the future" in out
    assert "line 11: slug 'ok-row' appears more than once" in out
    assert "line 12: slug is required" in out and "line 12: name_en is required" in out
    assert "line 12: verified: expected true or false" in out
    assert "nothing was saved" in out
    assert count() == 0


def test_header_problems_are_caught(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("slug,name_en,colour\nx,y,red\n", encoding="utf-8")
    result = run(app, ["import", str(path)])
    assert result.exit_code != 0
    assert "line 1: missing columns: organisation_slug, organisation_en" in result.output
    assert "line 1: unknown columns: colour" in result.output


def test_changing_a_verified_number_needs_a_new_date(app, tmp_path):
    first = "helpline,org-a,Org A,Helpline,shelter,,1145,true,2026-01-01,call\n"
    assert run(app, ["import", write(tmp_path, first)]).exit_code == 0
    changed = "helpline,org-a,Org A,Helpline,shelter,,1146,true,2026-01-01,call\n"
    result = run(app, ["import", write(tmp_path, changed)])
    assert result.exit_code != 0
    assert "phone changed on a verified entry but last_verified did not" in result.output
    unverified = "helpline,org-a,Org A,Helpline,shelter,,1146,false,2026-01-01,call\n"
    result = run(app, ["import", write(tmp_path, unverified)])
    assert result.exit_code == 0, result.output
    assert "update  helpline: phone, verified" in result.output


def test_export_round_trips(app, tmp_path):
    assert loader.seed().ok
    out = tmp_path / "out.csv"
    assert run(app, ["export", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == count() == 34
    assert list(rows[0]) == list(entries.COLUMNS)
    result = run(app, ["import", "--dry-run", str(out)])
    assert result.exit_code == 0 and "0 created, 0 updated, 34 unchanged" in result.output


def test_phone_numbers_are_normalised():
    assert entries.normalise_phone("01 5010015") == "01-5010015"
    assert entries.normalise_phone("015010015") == "01-5010015"
    assert entries.normalise_phone("1145") == "1145"
    assert entries.normalise_phone("9801234567") == "9801234567"
    assert entries.normalise_phone("+97444675983").startswith("+974 ")


# --- the seed -------------------------------------------------------------------------------


def test_every_seed_entry_is_valid():
    geo = gazetteer()
    for number, row in loader.seed_rows():
        _, errors = entries.validate(row, geo)
        assert errors == [], (number, row.get("slug"), errors)


def test_seed_is_idempotent(app):
    result = run(app, ["seed"])
    assert result.exit_code == 0, result.output
    assert "34 created" in result.output
    assert run(app, ["seed"]).output.strip().endswith("0 created, 0 updated, 34 unchanged")
    assert count() == 34
    assert actions().count("referral.seed") == 1  # a no-op run leaves no trace


def test_seed_never_overwrites_console_changes_unless_asked(app):
    assert loader.seed().ok
    service = db.session.scalar(select(ReferralService).filter_by(slug="nhrc-complaints"))
    service.notes = "checked by phone, new number pending"
    db.session.commit()
    assert loader.seed().ok
    db.session.refresh(service)
    assert service.notes == "checked by phone, new number pending"
    report = loader.seed(update=True)
    assert report.ok and [slug for slug, _ in report.updated] == ["nhrc-complaints"]


def test_no_seed_entry_is_verified_by_phone_and_confirmed_ones_are_desk_checked(app):
    # Nobody has called any seeded number: a document saying so makes an entry desk-checked,
    # never "verified by phone", so nothing seeded reaches people until someone calls.
    assert loader.seed().ok
    by_slug = {s.slug: s for s in db.session.scalars(select(ReferralService))}
    assert [slug for slug, s in by_slug.items() if s.verified] == []
    desk = {s.phone for s in by_slug.values() if s.check_status == "desk" and s.phone}
    assert desk == {"100", "102", "1145", "1098", "1111", "104", "1166"}
    assert by_slug["trafficking-hotline-1177"].check_status == "none"
    for slug, service in by_slug.items():
        if slug.startswith("embassy-"):
            assert service.phone is None and service.verified is False, slug
            assert service.country_codes, slug
        if service.check_status == "desk":
            assert service.sources and service.confidence == "high", slug
    assert by_slug["embassy-om"].address_en == "Shatti Al-Qurum, Muscat"
    assert by_slug["embassy-bh"].website == "https://bh.nepalembassy.gov.np"
    assert by_slug["maiti-nepal"].phone is None
    assert {s.slug for s in by_slug.values() if s.is_fallback} == {
        "nwc-helpline-1145",
        "hello-sarkar-1111",
    }


def test_desk_checked_round_trips_through_csv(app, tmp_path):
    assert loader.seed().ok
    exported = tmp_path / "all.csv"
    assert run(app, ["export", str(exported)]).exit_code == 0
    text = exported.read_text(encoding="utf-8")
    assert "desk_checked" in text.splitlines()[0] and ",2026-11-24," in text
    result = run(app, ["import", "--dry-run", str(exported)])
    assert result.exit_code == 0 and "0 updated" in result.output, result.output


def test_desk_checked_entries_need_their_sources(app):
    row = {"slug": "x", "organisation_slug": "o", "organisation_en": "O", "name_en": "X",
           "needs": "shelter", "desk_checked": "2026-11-01", "sources": ""}  # fmt: skip
    _, errors = entries.validate(row, gazetteer())
    assert any("desk-checked entries need sources" in e for e in errors)
