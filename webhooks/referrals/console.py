"""Console pages for the referral directory (/console/referrals).

Counsellors (``referrals.view``) search and read every entry; unverified entries carry a
warning, stale ones a flag. Supervisors (``referrals.manage``) add, edit, verify, un-verify,
retire and restore entries; every change is audited (ids and field names only). Editing a
verified entry's phone, website, e-mail or address makes it unverified again.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from webhooks.audit import audit
from webhooks.console.permissions import has_permission, requires
from webhooks.console.security import guard
from webhooks.extensions import db
from webhooks.models import AuditEvent, utcnow
from webhooks.referrals import entries
from webhooks.referrals.api import MANAGE_PERMISSION, VIEW_PERMISSION, lookup_payload
from webhooks.referrals.geo import gazetteer
from webhooks.referrals.models import ReferralService, Status
from webhooks.referrals.search import CHECK_LABELS, check_label, warning_for
from webhooks.referrals.taxonomy import NEEDS, resolve_need

referrals_console = guard(
    Blueprint(
        "referrals_console", __name__, url_prefix="/console/referrals", template_folder="templates"
    )
)

# Form fields posted as text; the others are checkboxes, lists or set by dedicated actions.
NOT_TEXT_IN_FORM = {
    "slug", "needs", "open_24h", "verified", "last_verified", "desk_checked", "sources",
    "is_fallback", "status",
}  # fmt: skip
FORM_TEXT_FIELDS = tuple(c for c in entries.COLUMNS if c not in NOT_TEXT_IN_FORM)
# The detail page in words, in this order (the name is the page's title; slugs are for staff).
DETAIL_LABELS = {
    "name_ne": "Name (नेपाली)",
    "organisation_en": "Organisation",
    "organisation_ne": "Organisation (नेपाली)",
    "needs": "Needs",
    "phone": "Phone",
    "open_24h": "Open 24 hours",
    "hours_en": "Hours",
    "hours_ne": "Hours (नेपाली)",
    "districts": "Districts",
    "provinces": "Provinces",
    "countries": "Countries abroad",
    "address_en": "Address",
    "address_ne": "Address (नेपाली)",
    "website": "Website",
    "organisation_website": "Organisation website",
    "email": "E-mail",
    "languages": "Languages",
    "description_en": "What it offers",
    "description_ne": "What it offers (नेपाली)",
    "eligibility_en": "Who can use it",
    "eligibility_ne": "Who can use it (नेपाली)",
    "last_verified": "Verified by phone on",
    "desk_checked": "Desk-checked on",
    "confidence": "Confidence of the source",
    "sources": "Sources",
    "notes": "Internal notes (counsellors only)",
    "is_fallback": "National fallback helpline",
    "priority": "Priority (lower first)",
    "status": "Status",
}


def detail_rows(row: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, label, value in words) for the fields that have a value."""
    out = []
    for key, label in DETAIL_LABELS.items():
        value = row.get(key, "")
        if value in ("", None):
            continue
        if value in ("true", "false"):
            value = "yes" if value == "true" else "no"
        else:
            value = str(value).replace(";", ", ")
        out.append((key, label, value))
    return out


def _stale_days() -> int:
    return int(current_app.config["REFERRALS_STALE_DAYS"])


def _service_or_404(service_id: int) -> ReferralService:
    service = db.session.get(ReferralService, service_id)
    if service is None:
        abort(404, description="no such entry")
    return service


@referrals_console.get("")
@requires(VIEW_PERMISSION)
def index() -> str:
    args = request.args
    need_text, place = args.get("need", ""), args.get("place", "").strip()
    lookup = None
    if need_text or place:
        lookup = lookup_payload(
            resolve_need(need_text),
            place,
            "en",
            20,
            verified_only=args.get("verified_only") == "1",
            console=True,
        )
    shown = args.get("show", "active")
    query = select(ReferralService).order_by(ReferralService.name_en)
    if shown in ("active", "stale", "unverified", "desk"):
        query = query.where(ReferralService.status == Status.ACTIVE.value)
    elif shown == "retired":
        query = query.where(ReferralService.status == Status.RETIRED.value)
    today = utcnow().date()
    services = list(db.session.scalars(query))
    if shown == "stale":
        services = [s for s in services if s.is_stale(today, _stale_days())]
    elif shown == "unverified":
        services = [s for s in services if not s.verified]
    elif shown == "desk":
        services = [s for s in services if s.check_status == "desk"]
    return render_template(
        "referrals/index.html",
        needs=NEEDS,
        need=resolve_need(need_text) or "",
        place=place,
        lookup=lookup,
        services=services,
        shown=shown,
        today=today,
        stale_days=_stale_days(),
        geo=gazetteer(),
        check_label=check_label,
        check_labels=CHECK_LABELS,
        can_manage=has_permission(current_user, MANAGE_PERMISSION),
    )


@referrals_console.get("/<int:service_id>")
@requires(VIEW_PERMISSION)
def detail(service_id: int) -> str:
    service = _service_or_404(service_id)
    history = []
    if has_permission(current_user, "audit.view") or has_permission(
        current_user, MANAGE_PERMISSION
    ):
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("referral.%"))
            .order_by(AuditEvent.id.desc())
            .limit(500)
        )
        history = [e for e in events if e.detail.get("service_id") == service.id][:20]
    return render_template(
        "referrals/detail.html",
        service=service,
        rows=detail_rows(entries.to_row(service, gazetteer())),
        stale=service.is_stale(utcnow().date(), _stale_days()),
        stale_days=_stale_days(),
        check_label=check_label,
        warning=warning_for(service),
        needs=NEEDS,
        history=history,
        can_manage=has_permission(current_user, MANAGE_PERMISSION),
    )


def _form_raw(service: ReferralService | None) -> dict[str, Any]:
    form = request.form
    raw: dict[str, Any] = {name: form.get(name, "") for name in FORM_TEXT_FIELDS}
    raw["slug"] = service.slug if service else form.get("slug", "").strip()
    raw["needs"] = [n for n in form.getlist("needs") if n in NEEDS]
    raw["sources"] = [line.strip() for line in form.get("sources", "").splitlines()]
    raw["open_24h"] = form.get("open_24h") == "on"
    raw["is_fallback"] = form.get("is_fallback") == "on"
    raw["verified"] = service.verified if service else False
    raw["last_verified"] = service.last_verified if service else None
    raw["desk_checked"] = service.desk_checked if service else None
    raw["status"] = service.status if service else Status.ACTIVE.value
    return raw


def _form_values(service: ReferralService | None) -> dict[str, Any]:
    if request.method == "POST":
        values = dict(request.form)
        values["needs"] = request.form.getlist("needs")
        values["open_24h"] = request.form.get("open_24h") == "on"
        values["is_fallback"] = request.form.get("is_fallback") == "on"
        return values
    if service is None:
        return {"needs": [], "confidence": "unconfirmed", "priority": "100", "languages": "ne"}
    row: dict[str, Any] = entries.to_row(service, gazetteer())
    row["needs"] = list(service.needs)
    row["sources"] = "\n".join(service.sources)
    row["open_24h"] = service.open_24h
    row["is_fallback"] = service.is_fallback
    return row


@referrals_console.route("/new", methods=["GET", "POST"])
@requires(MANAGE_PERMISSION)
def create() -> str | BaseResponse:
    errors: list[str] = []
    if request.method == "POST":
        clean, errors = entries.validate(_form_raw(None), gazetteer())
        if not errors and entries.find_service(clean["slug"]) is not None:
            errors.append(f"slug {clean['slug']!r} is already used")
        if not errors:
            organisation, _ = entries.organisation_for(clean)
            service = ReferralService(slug=clean["slug"], organisation=organisation)
            db.session.add(service)
            entries.apply(service, clean)
            db.session.flush()
            audit(
                "referral.create",
                current_user,
                service_id=service.id,
                slug=service.slug,
                via="console",
            )
            db.session.commit()
            flash("Entry added. It is unverified until someone checks it.", "success")
            return redirect(url_for(".detail", service_id=service.id))
    return render_template(
        "referrals/form.html", service=None, values=_form_values(None), errors=errors, needs=NEEDS
    )


@referrals_console.route("/<int:service_id>/edit", methods=["GET", "POST"])
@requires(MANAGE_PERMISSION)
def edit(service_id: int) -> str | BaseResponse:
    service = _service_or_404(service_id)
    errors: list[str] = []
    if request.method == "POST":
        raw = _form_raw(service)
        clean, errors = entries.validate({**raw, "verified": False}, gazetteer())
        if not errors:
            changed_contact = entries.contact_changed(service, clean)
            keep_verified = service.verified and not changed_contact
            clean["verified"] = keep_verified
            clean["last_verified"] = service.last_verified
            # New contact details were checked by nobody, neither by phone nor on paper.
            clean["desk_checked"] = None if changed_contact else service.desk_checked
            organisation, org_changes = entries.organisation_for(clean)
            changes = org_changes + entries.apply(service, clean)
            if service.organisation is not organisation:
                service.organisation = organisation
                changes.append("organisation")
            if changes:
                audit(
                    "referral.update",
                    current_user,
                    service_id=service.id,
                    slug=service.slug,
                    fields=changes,
                    via="console",
                )
                db.session.commit()
                if "verified" in changes:
                    flash(
                        f"Saved. {', '.join(changed_contact)} changed, so the entry is now "
                        "no longer verified (by phone or desk) until someone checks the new "
                        "details.",
                        "error",
                    )
                else:
                    flash("Saved.", "success")
            else:
                flash("Nothing changed.", "success")
            return redirect(url_for(".detail", service_id=service.id))
    return render_template(
        "referrals/form.html",
        service=service,
        values=_form_values(service),
        errors=errors,
        needs=NEEDS,
    )


@referrals_console.post("/<int:service_id>/verify")
@requires(MANAGE_PERMISSION)
def verify(service_id: int) -> BaseResponse:
    """Verified by phone: someone called and the number answered as this service."""
    service = _service_or_404(service_id)
    how = request.form.get("how", "").strip()
    if not how:
        flash("Say who answered when you called (e.g. 'called 1145, answered as NWC helpline').",
              "error")  # fmt: skip
    elif not service.active:
        flash("A retired entry cannot be verified; restore it first.", "error")
    elif not (service.phone or service.website or service.address_en):
        flash("There is no phone, website or address to verify.", "error")
    else:
        today = utcnow().date()
        service.verified = True
        service.last_verified = today
        service.verified_by_id = current_user.id
        note = f"Called {today.isoformat()} by {current_user.username}: {how[:200]}"
        service.sources = [*service.sources, note]
        audit("referral.verify", current_user, service_id=service.id, slug=service.slug)
        db.session.commit()
        flash("Marked verified by phone today: the bot may now give it out.", "success")
    return redirect(url_for(".detail", service_id=service.id))


@referrals_console.post("/<int:service_id>/desk-check")
@requires(MANAGE_PERMISSION)
def desk_check(service_id: int) -> BaseResponse:
    """Desk-checked: the details match a document or official page; nobody has called."""
    service = _service_or_404(service_id)
    what = request.form.get("what", "").strip()
    if not what:
        flash("Say which document or page you checked it against.", "error")
    elif not service.active:
        flash("A retired entry cannot be checked; restore it first.", "error")
    else:
        today = utcnow().date()
        service.desk_checked = today
        note = f"Desk-checked {today.isoformat()} by {current_user.username}: {what[:200]}"
        service.sources = [*service.sources, note]
        audit("referral.desk_check", current_user, service_id=service.id, slug=service.slug)
        db.session.commit()
        flash("Marked desk-checked today. The bot still does not give it out until "
              "someone calls and marks it verified by phone.", "success")  # fmt: skip
    return redirect(url_for(".detail", service_id=service.id))


@referrals_console.post("/<int:service_id>/unverify")
@requires(MANAGE_PERMISSION)
def unverify(service_id: int) -> BaseResponse:
    service = _service_or_404(service_id)
    if service.verified:
        service.verified = False
        audit(
            "referral.unverify",
            current_user,
            service_id=service.id,
            slug=service.slug,
            reason=request.form.get("reason", "")[:200],
        )
        db.session.commit()
        flash("No longer verified by phone: the bot no longer gives it out.", "success")
    return redirect(url_for(".detail", service_id=service.id))


@referrals_console.post("/<int:service_id>/retire")
@requires(MANAGE_PERMISSION)
def retire(service_id: int) -> BaseResponse:
    service = _service_or_404(service_id)
    if service.active:
        service.status = Status.RETIRED.value
        service.retired_at = utcnow()
        audit("referral.retire", current_user, service_id=service.id, slug=service.slug)
        db.session.commit()
        flash("Retired: no longer shown to anyone.", "success")
    return redirect(url_for(".detail", service_id=service.id))


@referrals_console.post("/<int:service_id>/restore")
@requires(MANAGE_PERMISSION)
def restore(service_id: int) -> BaseResponse:
    service = _service_or_404(service_id)
    if not service.active:
        service.status = Status.ACTIVE.value
        service.retired_at = None
        service.verified = False  # it may have changed while retired: check again
        audit("referral.restore", current_user, service_id=service.id, slug=service.slug)
        db.session.commit()
        flash("Restored as unverified: check it before the bot gives it out.", "success")
    return redirect(url_for(".detail", service_id=service.id))
