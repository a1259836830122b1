from __future__ import annotations

import base64
import os

import pytest

from webhooks.contact_vault import ContactVault


def key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_round_trip_and_ciphertext_hides_the_number():
    vault = ContactVault(key())
    token = vault.encrypt("+9779812345678")
    assert "9812345678" not in token
    assert vault.decrypt(token) == "+9779812345678"


def test_lookup_hash_is_stable_per_key_and_channel():
    secret = key()
    vault, same = ContactVault(secret), ContactVault(secret)
    assert vault.lookup_hash("sms", "+977981") == same.lookup_hash("sms", "+977981")
    assert vault.lookup_hash("sms", "+977981") != vault.lookup_hash("whatsapp", "+977981")
    assert vault.lookup_hash("sms", "+977981") != ContactVault(key()).lookup_hash("sms", "+977981")


def test_another_key_cannot_decrypt():
    token = ContactVault(key()).encrypt("+9779812345678")
    with pytest.raises(ValueError, match="cannot be decrypted"):
        ContactVault(key()).decrypt(token)


@pytest.mark.parametrize("bad", ["", "short", base64.urlsafe_b64encode(b"x" * 16).decode(), "%%%"])
def test_bad_keys_are_rejected_clearly(bad):
    with pytest.raises(ValueError, match="DATA_ENCRYPTION_KEY"):
        ContactVault(bad)
