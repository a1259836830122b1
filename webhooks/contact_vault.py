"""Encryption at rest for contact addresses (phone numbers), and for recordings.

An address is stored twice: Fernet-encrypted (so a counsellor action can reveal it) and as an
HMAC-SHA256 keyed hash (so an inbound message finds its contact without decrypting every row).
Both keys derive from DATA_ENCRYPTION_KEY with HKDF, so one secret is all an operator keeps.
Recordings (voice notes, voicemail: webhooks/recordings.py) use a third key derived the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class ContactVault:
    def __init__(self, data_encryption_key: str) -> None:
        try:
            master = base64.urlsafe_b64decode(data_encryption_key.encode())
        except (ValueError, TypeError) as error:
            raise ValueError("DATA_ENCRYPTION_KEY must be url-safe base64") from error
        if len(master) != 32:
            raise ValueError("DATA_ENCRYPTION_KEY must decode to 32 bytes (Fernet.generate_key())")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(master, b"sahayatri contact enc")))
        self._hash_key = _derive(master, b"sahayatri contact lookup")
        self._audio = Fernet(base64.urlsafe_b64encode(_derive(master, b"sahayatri recording enc")))

    def lookup_hash(self, channel: str, address: str) -> str:
        message = f"{channel}\x00{address}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def encrypt(self, address: str) -> str:
        return self._fernet.encrypt(address.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise ValueError("contact address cannot be decrypted with this key") from error

    def encrypt_audio(self, audio: bytes) -> bytes:
        return self._audio.encrypt(audio)

    def decrypt_audio(self, token: bytes) -> bytes:
        try:
            return self._audio.decrypt(token)
        except InvalidToken as error:
            raise ValueError("recording cannot be decrypted with this key") from error
