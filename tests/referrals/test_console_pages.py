"""Console pages: counsellors read (with warnings), supervisors manage, everything audited."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.console.support import Console, actions
from tests.referrals.conftest import BOT, add_service
from webhooks.extensions import db
from webhooks.models import AuditEvent
from webhooks.referrals.models import ReferralService

NEW_ENTRY = {
    "slug": "new-shelter",
    "organisation_slug": "org-new",
    "organisation_en": "New Org",
    "organisation_ne": "नयाँ संस्था",
    "name_en": "New shelter",
    "name_ne": "नयाँ आश्रय",
    "needs": ["shelter", "legal_aid"],
    "districts": "Kathmandu; Lalitpur",
    "phone": "01-4000000",
    "languages": "ne; en",
    "confidence": "medium",
    "sources": "called them\nwebsite",
    "priority": "50",
}


def fresh(service: ReferralService) -> ReferralService:
    db.session.expire_all()
    return db.session.get(ReferralService, service.id)


def test_anonymous_users_go_to_the_log_in_page(client):
    response = client.get("/console/referrals")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_counsellors_see_which_entries_are_verified_by_phone_desk_checked_or_not(as_counsellor):
    add_service("checked", name_en="Checked shelter")
    desk = add_service(
        "desk", name_en="Desk shelter", verified=False, last_verified=None,
        desk_checked=date.today(),
    )  # fmt: skip
    unchecked = add_service("unchecked", name_en="Unchecked shelter", verified=False)
    page = as_counsellor.text("/console/referrals?need=shelter&place=ktm")
    assert "Checked shelter" in page and "Unchecked shelter" in page and "Desk shelter" in page
    assert f"Verified by phone ({date.today().isoformat()})" in page
    assert f"Desk-checked only ({date.today().isoformat()})" in page
    assert "Not checked" in page
    assert "UNVERIFIED" not in page  # no shouted, doubled labels ("UNVERIFIED: UNVERIFIED:")
    listing = as_counsellor.text("/console/referrals?show=desk")
    assert "Desk shelter" in listing and "Unchecked shelter" not in listing
    detail = as_counsellor.text(f"/console/referrals/{unchecked.id}")
    assert "The bot does not give this entry out" in detail
    assert "nobody has called" in as_counsellor.text(f"/console/referrals/{desk.id}")
    assert "Mark verified" not in detail and "Mark desk-checked" not in detail  # read only


def test_the_entry_page_names_fields_in_words(as_counsellor):
    service = add_service("words", name_en="Words shelter", open_24h=False, hours_en="9-5")
    detail = as_counsellor.text(f"/console/referrals/{service.id}")
    assert "Open 24 hours" in detail and "Hours" in detail and "Checked" in detail
    for raw in ("organisation_slug", "open_24h", "hours_en", "is_fallback", "last_verified"):
        assert raw not in detail, raw


def test_stale_entries_are_flagged(as_counsellor):
    old = add_service("old", name_en="Old entry", last_verified=date.today() - timedelta(days=400))
    add_service("new", name_en="New entry")
    page = as_counsellor.text("/console/referrals?show=stale")
    assert "Old entry" in page and "New entry" not in page and "STALE" in page
    assert "STALE" in as_counsellor.text(f"/console/referrals/{old.id}")


def test_counsellors_cannot_change_entries(as_counsellor):
    service = add_service("x")
    assert as_counsellor.get("/console/referrals/new").status_code == 403
    assert as_counsellor.post("/console/referrals/new", NEW_ENTRY).status_code == 403
    assert as_counsellor.post(f"/console/referrals/{service.id}/retire").status_code == 403
    assert (
        as_counsellor.post(f"/console/referrals/{service.id}/verify", {"how": "x"}).status_code
        == 403
    )
    assert fresh(service).status == "active"


def test_a_supervisor_adds_an_entry_unverified(as_supervisor, client):
    response = as_supervisor.post("/console/referrals/new", NEW_ENTRY)
    assert response.status_code == 302, response.get_data(as_text=True)
    service = db.session.scalar(select(ReferralService).filter_by(slug="new-shelter"))
    assert service.verified is False
    assert service.district_ids == [27, 29] and service.languages == ["ne", "en"]
    assert service.sources == ["called them", "website"]
    assert actions()[-1] == "referral.create"
    bot = client.get("/api/referrals?need=shelter&place=ktm", headers=BOT).get_json()
    assert bot["results"] == []  # not before someone verifies it


def test_form_errors_are_shown_and_nothing_saved(as_supervisor):
    response = as_supervisor.post(
        "/console/referrals/new", {**NEW_ENTRY, "phone": "call us", "districts": "Atlantis"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "unknown district" in page and "phone" in page
    assert db.session.scalar(select(ReferralService).filter_by(slug="new-shelter")) is None


def test_verify_then_the_bot_gives_it_out(as_supervisor, supervisor, client):
    service = add_service("to-check", verified=False, last_verified=None)
    missing = as_supervisor.post(f"/console/referrals/{service.id}/verify", {"how": ""})
    assert missing.status_code == 302 and fresh(service).verified is False
    as_supervisor.post(f"/console/referrals/{service.id}/verify", {"how": "called, answered"})
    checked = fresh(service)
    assert checked.verified is True and checked.last_verified == date.today()
    assert checked.verified_by_id == supervisor.id
    assert checked.sources[-1].startswith(f"Called {date.today().isoformat()} by sita")
    bot = client.get("/api/referrals?need=shelter", headers=BOT).get_json()
    assert [r["slug"] for r in bot["results"]] == ["to-check"]
    event = db.session.scalars(select(AuditEvent).filter_by(action="referral.verify")).one()
    assert event.user_id == supervisor.id and event.detail["service_id"] == service.id


def test_desk_checking_records_the_document_but_the_bot_still_does_not_give_it_out(
    as_supervisor, supervisor, client
):
    service = add_service("paper", verified=False, last_verified=None)
    missing = as_supervisor.post(f"/console/referrals/{service.id}/desk-check", {"what": ""})
    assert missing.status_code == 302 and fresh(service).desk_checked is None
    as_supervisor.post(f"/console/referrals/{service.id}/desk-check", {"what": "official site"})
    checked = fresh(service)
    assert checked.desk_checked == date.today() and checked.verified is False
    assert checked.sources[-1] == f"Desk-checked {date.today().isoformat()} by sita: official site"
    assert client.get("/api/referrals?need=shelter", headers=BOT).get_json()["results"] == []
    assert "referral.desk_check" in actions()


def test_changing_a_verified_number_unverifies_it(as_supervisor, client):
    service = add_service("helpline", phone="1145", desk_checked=date.today())
    form = {
        **NEW_ENTRY,
        "organisation_slug": "org",
        "organisation_en": "Org",
        "name_en": "helpline",
        "needs": ["shelter"],
        "districts": "",
        "phone": "1146",
    }
    response = as_supervisor.post(f"/console/referrals/{service.id}/edit", form)
    assert response.status_code == 302
    changed = fresh(service)
    assert changed.phone == "1146" and changed.verified is False
    assert changed.desk_checked is None
    event = db.session.scalars(select(AuditEvent).filter_by(action="referral.update")).one()
    assert "phone" in event.detail["fields"] and "verified" in event.detail["fields"]
    assert "1146" not in str(event.detail)  # audit holds field names, not numbers
    bot = client.get("/api/referrals?need=shelter", headers=BOT).get_json()
    assert bot["results"] == []


def test_editing_other_fields_keeps_it_verified(as_supervisor):
    service = add_service("helpline", phone="1145", hours_en="9-5")
    form = {
        "organisation_slug": "org",
        "organisation_en": "Org",
        "organisation_ne": "संस्था",
        "name_en": "helpline",
        "needs": ["shelter"],
        "phone": "1145",
        "languages": "ne",
        "hours_en": "24 hours",
        "confidence": "high",
        "sources": "test",
        "priority": "100",
    }
    assert as_supervisor.post(f"/console/referrals/{service.id}/edit", form).status_code == 302
    kept = fresh(service)
    assert kept.hours_en == "24 hours" and kept.verified is True


def test_retire_and_restore(as_supervisor, client):
    service = add_service("gone")
    as_supervisor.post(f"/console/referrals/{service.id}/retire")
    assert fresh(service).status == "retired"
    assert client.get("/api/referrals?need=shelter", headers=BOT).get_json()["results"] == []
    as_supervisor.post(f"/console/referrals/{service.id}/restore")
    restored = fresh(service)
    assert restored.status == "active" and restored.verified is False
    assert [a for a in actions() if a.startswith("referral.")] == [
        "referral.retire",
        "referral.restore",
    ]


def test_posts_need_the_csrf_token(as_supervisor):
    service = add_service("x")
    response = as_supervisor.client.post(f"/console/referrals/{service.id}/retire")
    assert response.status_code == 400
    assert fresh(service).status == "active"


def test_history_is_shown_to_supervisors(as_supervisor):
    service = add_service("x")
    as_supervisor.post(f"/console/referrals/{service.id}/retire")
    page = as_supervisor.text(f"/console/referrals/{service.id}")
    assert "referral.retire" in page and "sita" in page


def test_the_referral_pages_share_the_console_guard(as_counsellor: Console) -> None:
    """Same error pages and headers as the rest of the console (security.guard), no drift."""
    missing = as_counsellor.get("/console/referrals/999999")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html" and "no such entry" in missing.get_data(as_text=True)
    assert missing.headers["Referrer-Policy"] == "same-origin"
    assert as_counsellor.post("/console/referrals/1/retire").status_code == 403
    # A POST without the CSRF token is refused with the console's own words.
    bare = as_counsellor.client.post("/console/referrals/new", data={"slug": "x"})
    assert bare.status_code == 400 and "expired" in bare.get_data(as_text=True)
