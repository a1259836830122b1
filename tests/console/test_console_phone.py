"""A counsellor's phone for the hotline (stored encrypted, masked, audited) and the Call back
button of a call's conversation."""

from __future__ import annotations

from sqlalchemy import select

from tests.console.support import Console, actions
from tests.gateway.support import ACCOUNT_SID, sign
from webhooks.extensions import db
from webhooks.models import Conversation, User
from webhooks.services import services

PHONE = "+97455001234"
CALLER = "+9779800000902"


def test_a_counsellor_sets_her_phone_stored_encrypted(as_counsellor: Console, counsellor: User):
    response = as_counsellor.post("/console/phone", {"number": "+974 5500 1234"})
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.get(User, counsellor.id).phone_encrypted
    assert stored and PHONE not in stored and "55001234" not in stored
    assert services().vault.decrypt(stored) == PHONE
    page = as_counsellor.text("/console/phone")
    assert "•••••••234" in page and PHONE not in page
    assert "phone_set" in actions(user_id=counsellor.id)
    as_counsellor.post("/console/phone", {"remove": "y"})
    db.session.expire_all()
    assert db.session.get(User, counsellor.id).phone_encrypted is None


def test_a_wrong_number_is_refused_politely(as_counsellor: Console, counsellor: User):
    response = as_counsellor.post("/console/phone", {"number": "call me"})
    assert response.status_code == 400 and "country code" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, counsellor.id).phone_encrypted is None


def a_call_asking_for_a_call_back(client) -> str:
    base = "/webhooks/twilio/voice"
    for path, extra in (("", {}), ("/language", {"Digits": "2"}), ("/menu", {"Digits": "2"})):
        params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA7", "From": CALLER, **extra}
        headers = {"X-Twilio-Signature": sign(params, base + path)}
        assert client.post(base + path, data=params, headers=headers).status_code == 200
    return db.session.scalars(select(Conversation)).one().public_id


def test_call_back_is_for_the_holder_only(app, as_counsellor: Console, as_colleague: Console):
    public_id = a_call_asking_for_a_call_back(app.test_client())
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert 'id="call-back"' not in page  # not claimed yet
    assert "asked to be called back" in page and "Phone call" in page
    as_counsellor.post(f"/console/conversations/{public_id}/claim")
    assert 'id="call-back"' in as_counsellor.text(f"/console/conversations/{public_id}")
    assert as_colleague.post(f"/console/conversations/{public_id}/call-back").status_code == 403
    # Without her own phone set, nothing is placed and she is told why.
    response = as_counsellor.post(f"/console/conversations/{public_id}/call-back")
    assert response.status_code == 303
    page = as_counsellor.text(f"/console/conversations/{public_id}")
    assert "Set your phone first" in page
    assert "call_back_placed" not in actions()
