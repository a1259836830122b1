"""Referrals into a counsellor's reply: verified entries only, written in the conversation's
language form."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.console.support import Console, open_handoff
from tests.gateway.support import TwilioSender
from tests.referrals.conftest import add_service
from webhooks.extensions import db
from webhooks.models import Conversation


def test_verified_entries_come_in_her_form_unverified_ones_cannot_be_inserted(
    app: Flask, as_counsellor: Console
) -> None:
    add_service("safe-house", name_en="Safe House", name_ne="सुरक्षित घर", phone="1145",
                hours_en="9 to 5", hours_ne="९ देखि ५")  # fmt: skip
    add_service("unchecked", name_en="Unchecked Shelter", phone="9800000000", verified=False)
    twilio = TwilioSender(app.test_client())
    public_id = open_handoff(twilio, "मलाई बस्ने ठाउँ चाहियो", language="ne")
    conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
    conversation.language = "ne"
    db.session.commit()
    url = f"/console/api/conversations/{public_id}/referrals?need=shelter"
    data = as_counsellor.get(url).get_json()
    assert data["form"] == "ne"
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["Safe House"]["text"] == "सुरक्षित घर: 1145, ९ देखि ५"
    assert by_name["Unchecked Shelter"]["text"] is None
    assert by_name["Unchecked Shelter"]["warning"].startswith("Nobody has confirmed")
    conversation.language = "en"
    db.session.commit()
    data = as_counsellor.get(url).get_json()
    assert {r["name"]: r["text"] for r in data["results"]}[
        "Safe House"
    ] == "Safe House: 1145, 9 to 5"
    assert as_counsellor.get(url + "x").status_code == 400  # an unknown need
