from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.support.http_stub import QuietJsonHandler, running_server
from webhooks import upkeep_state
from webhooks.models import utcnow
from webhooks.upkeep import HEARTBEAT


class ActionServer(QuietJsonHandler):
    def do_GET(self) -> None:
        self.reply_json(200 if self.path == "/health" else 404, {"status": "ok"})


@pytest.fixture
def everything_up(app) -> Iterator[None]:
    with running_server(ActionServer) as url:
        app.config["ACTION_SERVER_URL"] = f"{url}/webhook"
        upkeep_state.mark(HEARTBEAT)
        yield


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_when_everything_is_up(client, everything_up):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {
        "database": True,
        "rasa": True,
        "model_loaded": True,
        "action_server": True,
        "worker": True,
    }


def test_readyz_is_503_when_rasa_is_down(client, fake_bot, everything_up):
    fake_bot.down = True
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["rasa"] is False


def test_readyz_is_503_when_the_action_server_is_down(app, client):
    upkeep_state.mark(HEARTBEAT)
    app.config["ACTION_SERVER_URL"] = "http://127.0.0.1:9/webhook"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["action_server"] is False


def test_a_stopped_worker_shows_as_degraded_while_the_gateway_stays_ready(client, everything_up):
    upkeep_state.mark(HEARTBEAT, utcnow() - timedelta(minutes=2))
    response = client.get("/readyz")
    assert response.status_code == 200  # people are still answered
    body = response.get_json()
    assert body["checks"]["worker"] is False and body["degraded"] == ["worker"]


def test_unknown_routes_and_methods_are_json_4xx(client):
    assert client.get("/nope").status_code == 404
    response = client.get("/webhooks/twilio/messages")
    assert response.status_code == 405
    assert "error" in response.get_json()
