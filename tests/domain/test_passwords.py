"""Passwords are stored as argon2id hashes with the library's default parameters (RFC 9106's
low-memory choice: 64 MiB, 3 passes, 4 lanes); a hash records its own parameters, so a user
hashed with other ones (the tests' seed, tests/conftest.py) still signs in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import VerifyMismatchError

from domain.users.service import PASSWORD_HASHER, hash_password
from tests.conftest import TEST_HASHER


def test_real_users_get_the_default_argon2id_parameters() -> None:
    stored = hash_password("khortor-demo")
    assert stored.startswith("$argon2id$")
    params = extract_parameters(stored)
    assert (params.memory_cost, params.time_cost, params.parallelism) == (65536, 3, 4)


def test_a_cheaper_hash_is_still_checked_for_real() -> None:
    cheap = hash_password("khortor-demo", TEST_HASHER)
    assert PASSWORD_HASHER.verify(cheap, "khortor-demo")
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(cheap, "khortor-demo!")
