"""Password rules and the growing sign-in delay, without a database."""

from __future__ import annotations

import pytest

from bakery.domain.credentials import login_delay, password_problem


@pytest.mark.parametrize("password", ["password", "aaaaaaaa", "12345678", "qwertyuiop",
                                      "Password1!", "bakery123"])
def test_common_and_patterned_passwords_are_refused(password):
    assert "easy to guess" in (password_problem(password, role="baker") or "")


@pytest.mark.parametrize("password", ["anna.baker@shop.test", "anna.baker", "bakehouse"])
def test_the_users_own_email_and_bakery_words_are_refused(password):
    problem = password_problem(password, role="baker", context=["anna.baker@shop.test"])
    assert problem is not None


def test_an_admin_needs_twelve_characters_and_others_eight():
    assert "at least 12" in password_problem("Tr0ub4dor&3", role="admin")
    assert password_problem("Tr0ub4dor&3", role="manager") is None
    assert "at least 8" in password_problem("x7#Qm2", role="cashier")
    assert password_problem("correct horse battery", role="admin") is None


def test_an_absurdly_long_password_is_refused():
    assert "at most 256" in password_problem("a b c d " * 40, role="baker")


def test_the_delay_is_free_at_first_then_doubles_up_to_the_cap():
    delays = [login_delay(n, free=5, cap=300) for n in range(15)]
    assert delays[:5] == [0, 0, 0, 0, 0]
    assert delays[5:10] == [2, 4, 8, 16, 32]
    assert delays[12:] == [256, 300, 300]
    assert login_delay(10_000, free=5, cap=300) == 300


def test_weak_or_foreign_password_hashes_are_named():
    from werkzeug.security import generate_password_hash

    from bakery.domain.credentials import weak_hash_problem

    assert weak_hash_problem(generate_password_hash("x y z w", "pbkdf2:sha256:1"), "scrypt")
    assert weak_hash_problem(generate_password_hash("x y z w", "scrypt:1024:8:1"), "scrypt")
    assert weak_hash_problem("plain text", "scrypt") == "is not a password hash this version can check"
    assert weak_hash_problem("md5$abc$def", "scrypt")
    assert weak_hash_problem(generate_password_hash("x y z w"), "scrypt") is None
    assert weak_hash_problem(generate_password_hash("x y z w", "pbkdf2:sha256:600000"),
                             "scrypt") is None
    # under the test settings' cheaper hashing, their own hashes pass
    assert weak_hash_problem(generate_password_hash("x y z w", "scrypt:1024:8:1"),
                             "scrypt:1024:8:1") is None
