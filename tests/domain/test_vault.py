"""Keys of the personal-data vault, as read from the environment (issue 6)."""

from __future__ import annotations

import uuid

import pytest

from domain.vault import DEV_KEY_ID, Vault, VaultKeyError, new_key
from domain.settings import Settings

PRODUCTION = {"KHORTOR_ENV": "production", "KHORTOR_SECRET_KEY": new_key()}


def test_production_refuses_to_start_without_both_keys() -> None:
    for extra in ({}, {"KHORTOR_DATA_KEYS": f"k1:{new_key()}"}, {"KHORTOR_LOOKUP_KEY": new_key()}):
        with pytest.raises(ValueError, match="KHORTOR_DATA_KEYS and KHORTOR_LOOKUP_KEY"):
            Settings.from_env({**PRODUCTION, **extra})
    settings = Settings.from_env({**PRODUCTION, "KHORTOR_DATA_KEYS": f"k2:{new_key()},k1:{new_key()}",
                                  "KHORTOR_LOOKUP_KEY": new_key()})
    assert settings.vault.current_key_id == "k2"


@pytest.mark.parametrize(("data_keys", "message"), [
    ("k1", "comma-separated list"),
    ("k1:not base64!", "not valid base64"),
    ("k1:" + "QUJD", "32 bytes"),
    ("bad id!:" + new_key(), "key id"),
    (f"k1:{new_key()},k1:{new_key()}", "unique"),
], ids=["no-colon", "not-base64", "short", "bad-id", "same-id"])  # fixed ids: the keys are random
def test_unusable_data_keys_are_refused_at_start_without_showing_them(data_keys: str,
                                                                      message: str) -> None:
    with pytest.raises(VaultKeyError, match=message) as refused:
        Settings.from_env({"KHORTOR_DATA_KEYS": data_keys})
    secret = data_keys.partition(":")[2]
    assert not secret or secret not in str(refused.value)


def test_development_keys_are_fixed_and_named_dev() -> None:
    first, second = Settings().vault, Settings(secret_key="another-secret").vault
    assert first.current_key_id == DEV_KEY_ID
    row = uuid.uuid4()
    assert second.open(first.seal("สมชาย", row, "name"), DEV_KEY_ID, row, "name") == "สมชาย"
    assert first.lookup_hash("1101700207366") == second.lookup_hash("1101700207366")


def test_a_short_lookup_key_is_refused() -> None:
    with pytest.raises(VaultKeyError, match="lookup key"):
        Vault(keys=(("k1", b"k" * 32),), lookup_key=b"short")
