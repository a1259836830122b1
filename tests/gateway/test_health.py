from __future__ import annotations


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_when_everything_is_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": True, "rasa": True, "model_loaded": True}


def test_readyz_is_503_when_rasa_is_down(client, fake_bot):
    fake_bot.down = True
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["rasa"] is False


def test_unknown_routes_and_methods_are_json_4xx(client):
    assert client.get("/nope").status_code == 404
    response = client.get("/webhooks/twilio/messages")
    assert response.status_code == 405
    assert "error" in response.get_json()
