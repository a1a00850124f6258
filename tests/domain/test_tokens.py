"""A sign-in token read again and again (each request of a phone sends it) is checked as on
its first use: expiry at every use, and only with the key that signed it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.users.models import User
from domain.users.service import issue_token, read_token
from domain.vault import new_key

SECRET, OTHER = new_key(), new_key()  # no key written in the repository (tests/domain/test_settings.py)
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _token(user_id: uuid.UUID, secret: str = SECRET, lifetime: int = 3600) -> str:
    return issue_token(User(id=user_id, username="vol.x", display_name="x", password_hash="-", role="VOLUNTEER"),
                       secret, NOW, lifetime)


def test_a_token_read_often_still_expires_and_still_needs_its_key() -> None:
    user_id = uuid.uuid4()
    token = _token(user_id)
    for _ in range(3):
        assert read_token(token, SECRET, NOW + timedelta(minutes=59)) == user_id
    assert read_token(token, SECRET, NOW + timedelta(minutes=60)) is None  # expired after being read
    assert read_token(token, OTHER, NOW) is None
    assert read_token(token, SECRET, NOW) == user_id


def test_tokens_that_are_not_ours_are_refused_every_time() -> None:
    foreign = _token(uuid.uuid4(), secret=OTHER)
    head, body, _ = _token(uuid.uuid4()).split(".")
    tampered = f"{head}.{body}.{_token(uuid.uuid4()).split('.')[2]}"  # another token's signature
    for token in (foreign, tampered, "not-a-token", "", "a.b.c"):
        for _ in range(2):
            assert read_token(token, SECRET, NOW) is None, token
