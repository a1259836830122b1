"""Is this webhook from Twilio? ``X-Twilio-Signature`` over the exact URL Twilio requested.

Two signing modes, told apart by a header (twilio.com/docs/usage/webhooks/webhook-shared-keys;
twilio-node examples/WebhookSignatureValidation.md):

- no ``X-Twilio-Webhooks-Signature-Settings``: HMAC-SHA1 keyed with the account's auth token;
- ``X-Twilio-Webhooks-Signature-Settings: key=<SharedKey id>,algorithm=HMAC_SHA256``: a Webhook
  Setting signs with a SharedKey we hold, using the algorithm it names. Only the key and hash
  change; the signed string is still the URL followed by the sorted POST parameters.

twilio-python 9.13 (as pinned) implements both: ``RequestValidator(secret).validate(url,
params, signature, algorithm)`` with ``get_signature_algorithm(header)``
(twilio/request_validator.py). We only choose the secret: the auth token without the header,
our SharedKey secrets (several while a key is rotated) with it.

The URL must be the one Twilio requested, byte for byte: "validate the request with the exact
webhook URL Twilio requested ... keep any query parameters URL-encoded"
(twilio.com/docs/api/errors/57012). Flask's ``request.url`` decodes percent-escapes, so the
raw request target (``RAW_URI``, set by gunicorn and werkzeug) is used instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Request
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)


class SignatureRejected(Exception):
    """The request is not signed as Twilio signs; the message says why."""


def requested_url(request: Request, public_base_url: str, behind_proxies: bool) -> str:
    """The URL Twilio requested: public scheme and host, then the raw path and query."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        query = request.query_string.decode("latin-1")
        raw = quote(request.path) + (f"?{query}" if query else "")
    elif "://" in raw.split("?", 1)[0]:  # an absolute request target: keep path and query
        parts = urlsplit(raw)
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
    if behind_proxies:  # ProxyFix has restored the public scheme and host
        return f"{request.scheme}://{request.host}{raw}"
    return public_base_url + raw


def check_signature(
    url: str,
    form: Mapping[str, Any],
    headers: Mapping[str, str],
    auth_token: str,
    shared_keys: Iterable[str],
) -> None:
    """Raise SignatureRejected unless the request carries Twilio's signature for ``url``."""
    signature = headers.get(SIGNATURE_HEADER, "")
    if not signature:
        raise SignatureRejected(f"missing {SIGNATURE_HEADER}")
    settings = headers.get(SIGNATURE_SETTINGS_HEADER)
    if settings is None:
        if not RequestValidator(auth_token).validate(url, form, signature):
            raise SignatureRejected(f"invalid {SIGNATURE_HEADER}")
        return
    algorithm = get_signature_algorithm(settings)
    if algorithm.upper() not in (HMAC_SHA1, HMAC_SHA256):
        raise SignatureRejected(f"unsupported signing algorithm {algorithm[:20]!r}")
    secrets = [key for key in shared_keys if key]
    if not secrets:
        raise SignatureRejected(
            "Twilio signed with a shared key but TWILIO_WEBHOOK_SHARED_KEYS is not set"
        )
    if not any(RequestValidator(key).validate(url, form, signature, algorithm) for key in secrets):
        raise SignatureRejected(f"invalid {SIGNATURE_HEADER} (shared key)")
