"""Channel senders: one call that hands a message to a provider, or says why it could not."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlencode

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
WHATSAPP_PREFIX = "whatsapp:"


class DeliveryError(Exception):
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Sender(Protocol):
    def send(self, channel: str, address: str, body: str, reference: str) -> str:
        """Hand ``body`` to the provider for ``address``; return the provider's message id.

        ``reference`` is our id for the message, the same on every retry, so a provider that
        supports it can drop duplicates. The outbox stores it as the message's provider id
        before calling, so receipts for a send whose answer we never got still find it.
        """
        ...


class _RebasedHttpClient(TwilioHttpClient):
    """Sends Twilio API calls to another base URL (a local fake of the API in tests)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        if url.startswith(TWILIO_API):
            url = self._base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioSender:
    """SMS (from numbers abroad) and WhatsApp through Twilio's Messages API."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sms_from: str,
        whatsapp_from: str,
        status_callback_url: str | None,
        api_base_url: str = TWILIO_API,
        timeout: float = 10,
    ) -> None:
        http_client = (
            TwilioHttpClient(timeout=timeout)
            if api_base_url == TWILIO_API
            else _RebasedHttpClient(api_base_url, timeout)
        )
        self._client = Client(account_sid, auth_token, http_client=http_client)
        # WhatsApp needs "whatsapp:" on both From and To: a bare From is refused with 21910
        # "From and To should be of the same channel" (twilio.com/docs/errors/21910, 63007).
        if whatsapp_from and not whatsapp_from.startswith(WHATSAPP_PREFIX):
            whatsapp_from = WHATSAPP_PREFIX + whatsapp_from
        self._from = {"sms": sms_from, "whatsapp": whatsapp_from}
        self._status_callback = status_callback_url

    def send(self, channel: str, address: str, body: str, reference: str) -> str:
        sender = self._from.get(channel)
        if not sender:
            raise DeliveryError(
                f"not sent: no Twilio sender configured for {channel}", retryable=False
            )
        to = WHATSAPP_PREFIX + address if channel == "whatsapp" else address
        options = {}
        if self._status_callback:
            # Twilio's create call takes no idempotency key, so our reference rides in the
            # callback URL: a receipt for a message whose create answer was lost still finds
            # it (Twilio signs the URL with its query: twilio.com/docs/usage/security).
            options["status_callback"] = f"{self._status_callback}?{urlencode({'ref': reference})}"
        try:
            message = self._client.messages.create(to=to, from_=sender, body=body, **options)
        except TwilioRestException as error:
            # 4xx other than 429 will fail the same way again (bad number, blocked, …).
            retryable = error.status >= 500 or error.status == 429
            raise DeliveryError(f"Twilio error {error.code or error.status}", retryable) from error
        except (TwilioException, OSError) as error:
            raise DeliveryError(f"Twilio unreachable ({type(error).__name__})", True) from error
        return message.sid

    def delete_records(self, channel: str, address: str) -> int:
        """Delete Twilio's copies of every message (or call) to or from ``address``; return
        how many.

        Listing by number also finds the replies sent as TwiML, whose ids we never see.
        Raises DeliveryError when Twilio cannot be reached or refuses.
        """
        who = f"whatsapp:{address}" if channel == "whatsapp" else address
        # Calls to and from the hotline (channel "voice") are Call records, not Messages.
        records = self._client.calls if channel == "voice" else self._client.messages
        deleted = 0
        try:
            for direction in ({"to": who}, {"from_": who}):
                for record in records.stream(**direction, page_size=100):
                    records(record.sid).delete()
                    deleted += 1
        except TwilioRestException as error:
            raise DeliveryError(f"Twilio error {error.code or error.status}", True) from error
        except (TwilioException, OSError) as error:
            raise DeliveryError(f"Twilio unreachable ({type(error).__name__})", True) from error
        return deleted


class AndroidSmsGatewaySender:
    """In-country SMS through an Android phone running SMS Gateway for Android.

    ``send_url`` is the app's message endpoint: ``http://<phone>:8080/message`` in local mode,
    or ``https://<server>/3rdparty/v1/messages`` in cloud/private mode. The phone splits long
    texts into a multipart SMS itself.

    We always send our reference as the message ``id``. A second POST with an id the phone (app
    v1.58+) or the cloud server already has is answered 409 Conflict, "Message with the same
    ID already exists" (android-sms-gateway modules/localserver/routes/MessagesRoutes.kt,
    ConflictException; sms-gateway internal/sms-gateway/handlers/3rdparty.go): it means the
    first POST, whose answer we lost, was accepted. So 409 is success, not a failure.
    """

    def __init__(self, send_url: str, username: str, password: str, timeout: float = 10) -> None:
        self._url = send_url
        self._auth = (username, password)
        self._timeout = timeout

    def send(self, channel: str, address: str, body: str, reference: str) -> str:
        payload = {
            "id": reference,  # the app drops a second message with the same id
            "textMessage": {"text": body},
            "phoneNumbers": [address],
            "withDeliveryReport": True,
        }
        try:
            response = requests.post(
                self._url, json=payload, auth=self._auth, timeout=self._timeout
            )
        except requests.RequestException as error:
            raise DeliveryError(
                f"SMS gateway unreachable ({type(error).__name__})", True
            ) from error
        if response.status_code == 409:
            return reference  # accepted by an earlier attempt (see the class docstring)
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code == 429
            raise DeliveryError(f"SMS gateway error {response.status_code}", retryable)
        try:
            return str(response.json().get("id") or reference)
        except ValueError:
            return reference
