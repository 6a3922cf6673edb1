"""The parts every public link stands on (file_lambda/public_links.py): tokens, passwords,
grants, the client's address and the attempt counters, these last on real Postgres."""

from __future__ import annotations

import time

import pytest

from file_lambda.cursors import Cursors
from file_lambda.database import Database
from file_lambda.public_links import (
    Attempts,
    Grant,
    GrantRequired,
    Limit,
    TooManyAttempts,
    client_address,
    hash_password,
    hashed_subject,
    new_token,
    token_hash,
    verify_password,
)


def test_a_token_holds_256_random_bits_and_is_stored_as_its_hash() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) == 43 and "=" not in t for t in tokens)  # 32 bytes, URL-safe
    token = tokens.pop()
    assert len(token_hash(token)) == 32
    assert token.encode() not in token_hash(token)


def test_a_password_verifies_and_nothing_else_does() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$")
    assert "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert not verify_password("correct horse", "scrypt$garbage")
    assert hash_password("correct horse") != stored  # a salt each


def test_a_grant_opens_its_own_link_only_and_only_until_it_expires() -> None:
    cursors = Cursors(lambda: b"k" * 32)
    sealed = Grant.issue("share", "link-1", 60).seal(cursors)
    Grant.check(cursors, "share", "link-1", sealed)
    for kind, link, grant in [
        ("share", "link-2", sealed),
        ("request", "link-1", sealed),
        ("share", "link-1", None),
        ("share", "link-1", sealed[:-2] + "AA"),
        ("share", "link-1", Grant("share", "link-1", int(time.time()) - 1).seal(cursors)),
    ]:
        with pytest.raises(GrantRequired) as refused:
            Grant.check(cursors, kind, link, grant)
        assert refused.value.status == 401
        assert "WWW-Authenticate" not in refused.value.headers


def test_the_client_address_is_the_one_the_load_balancer_appended() -> None:
    assert client_address({"x-forwarded-for": "10.9.9.9, 198.51.100.7"}, "10.0.0.1") == (
        "198.51.100.7"
    )
    assert client_address({}, "127.0.0.1") == "127.0.0.1"


def test_attempts_past_the_limit_answer_429_with_the_wait(db_url: str) -> None:
    attempts = Attempts(Database(lambda: db_url))
    limit = Limit("test password", 3, 600)
    subject = hashed_subject("link", new_token())
    for _ in range(3):
        attempts.count(limit, subject, "too many")
    with pytest.raises(TooManyAttempts) as refused:
        attempts.count(limit, subject, "too many")
    assert refused.value.status == 429
    assert 0 < int(refused.value.headers["Retry-After"]) <= 600
    attempts.count(limit, hashed_subject("link", new_token()), "too many")  # another subject
