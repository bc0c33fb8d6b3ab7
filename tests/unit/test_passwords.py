"""Password hashing parameters and Django's validators."""

from __future__ import annotations

from moviesapi.passwords import MAX_LENGTH, hash_password, validate_password, verify_password


def test_argon2id_at_owasp_parameters():
    h = hash_password("correct-horse-42")
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(h, "correct-horse-42")
    assert not verify_password(h, "correct-horse-43")
    assert not verify_password(None, "correct-horse-42")
    assert not verify_password(h, "x" * (MAX_LENGTH + 1))


def test_validators():
    assert validate_password("correct-horse-42", username="alice") == []
    assert "This password is too common." in validate_password("qwerty123")
    assert "This password is entirely numeric." in validate_password("90817263544")
    assert validate_password("alice1234", username="alice1234")[0] == "The password is too similar to the username."
    assert any("too short" in m for m in validate_password("aB3$"))
