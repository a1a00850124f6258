"""Personal data at rest: sealed with AES-GCM, looked up by a keyed hash.

A citizen's name, national ID and phone are stored only sealed (AES-256-GCM, a fresh
96-bit nonce per value, the row id and field name as associated data so a sealed value
cannot be copied to another row or field). The row keeps the id of the key that sealed
it, so keys can be rotated: new values are sealed with the first (current) key, old ones
open with any key still configured until `reseal` has moved them on. Exact lookups and
duplicate detection use an HMAC-SHA-256 of the normalised national ID under a separate
lookup key, which never leaves the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
DEV_KEY_ID = "dev"
DEV_KEY_MATERIAL = b"development-only-keys-set-KHORTOR_DATA_KEYS-in-production"


class VaultKeyError(ValueError):
    """The key configuration is unusable (never names a key's bytes)."""


@dataclass(frozen=True)
class Vault:
    keys: tuple[tuple[str, bytes], ...]  # (key id, 32-byte key); the first seals
    lookup_key: bytes

    def __post_init__(self) -> None:
        if not self.keys:
            raise VaultKeyError("At least one data key is needed.")
        for key_id, key in self.keys:
            if not KEY_ID.match(key_id):
                raise VaultKeyError("A data key id is 1–16 letters, digits, '-' or '_'.")
            if len(key) != 32:
                raise VaultKeyError(f"Data key {key_id!r} must be 32 bytes (AES-256).")
        if len({key_id for key_id, _ in self.keys}) != len(self.keys):
            raise VaultKeyError("Data key ids must be unique.")
        if len(self.lookup_key) < 32:
            raise VaultKeyError("The lookup key must be at least 32 bytes.")

    @property
    def current_key_id(self) -> str:
        return self.keys[0][0]

    def seal(self, value: str | None, row_id: uuid.UUID, field: str) -> bytes | None:
        """Nonce followed by ciphertext and tag, sealed with the current key."""
        if value is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[0][1]).encrypt(nonce, value.encode(), _aad(row_id, field))
        return nonce + sealed

    def open(self, sealed: bytes | None, key_id: str | None, row_id: uuid.UUID,
             field: str) -> str | None:
        if sealed is None:
            return None
        key = dict(self.keys).get(key_id or "")
        if key is None:
            raise VaultKeyError(f"No data key with id {key_id!r} is configured.")
        nonce, body = bytes(sealed[:NONCE_BYTES]), bytes(sealed[NONCE_BYTES:])
        return AESGCM(key).decrypt(nonce, body, _aad(row_id, field)).decode()

    def lookup_hash(self, national_id: str) -> str:
        """The keyed hash of a (normalised, 13-digit) national ID, as 64 hex characters."""
        return hmac.new(self.lookup_key, national_id.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def configured(cls, data_keys: str, lookup_key: str) -> Vault:
        """From `KHORTOR_DATA_KEYS` ("id:base64key,older-id:base64key") and
        `KHORTOR_LOOKUP_KEY` (base64). Empty values (development and tests only: settings
        refuse them in production) mean fixed, publicly known keys under the key id `dev`."""
        keys = parse_data_keys(data_keys) if data_keys else ((DEV_KEY_ID, _derive(b"data")),)
        lookup = _b64(lookup_key, "KHORTOR_LOOKUP_KEY") if lookup_key else _derive(b"lookup")
        return cls(keys=keys, lookup_key=lookup)


def parse_data_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for item in text.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep:
            raise VaultKeyError("KHORTOR_DATA_KEYS is a comma-separated list of id:base64key.")
        keys.append((key_id, _b64(encoded, f"data key {key_id!r}")))
    return tuple(keys)


def new_key() -> str:
    """A fresh random 256-bit key, base64-encoded (for `khortor new-key`)."""
    return base64.b64encode(os.urandom(32)).decode()


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise VaultKeyError(f"{name} is not valid base64.") from None


def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"khortor-vault",
                info=b"khortor " + purpose).derive(DEV_KEY_MATERIAL)


def _aad(row_id: uuid.UUID, field: str) -> bytes:
    return row_id.bytes + field.encode()


@lru_cache(maxsize=8)
def vault_for(data_keys: str, lookup_key: str) -> Vault:
    return Vault.configured(data_keys, lookup_key)
