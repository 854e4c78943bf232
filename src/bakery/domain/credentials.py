"""Rules for passwords and for sign-in attempts: what is strong enough, how long to wait."""

from __future__ import annotations

from collections.abc import Iterable

MIN_PASSWORD_LENGTH = 8
MIN_ADMIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# zxcvbn's estimate of guesses, 0 (top-10 password) to 4 (very unguessable); 2 is about 10^8
# guesses, far beyond what the login budget and the per-account delay let anyone try.
MIN_PASSWORD_SCORE = 2
# Words an attacker tries first against a bakery's staff.
CONTEXT_WORDS = ("bakery", "bakehouse", "bread", "baker", "cashier", "manager", "admin", "till")


def password_problem(password: str, *, role: str, context: Iterable[str] = ()) -> str | None:
    """Why `password` is refused for a user with `role`, or None when it is good enough.

    Refused: shorter than 8 characters (12 for admins), longer than 256, or easy to guess as
    zxcvbn judges it: common passwords, keyboard walks, repeats, dates, and the user's own email
    or the bakery words, which count as known to the attacker.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if role == "admin" and len(password) < MIN_ADMIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_ADMIN_PASSWORD_LENGTH} characters for an admin"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    from zxcvbn import zxcvbn

    known = [word for value in context for word in _words(value)] + list(CONTEXT_WORDS)
    if password.strip().lower() in known:
        return "must not be your email, your name or a bakery word"
    result = zxcvbn(password[:100], user_inputs=known)
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = result["feedback"]["warning"] or "it is easy to guess"
        return f"too easy to guess: {hint.rstrip('.')}; use a few unrelated words"
    return None


def _words(value: str) -> list[str]:
    """An email and its parts ('anna.baker@shop.de' -> the whole, 'anna.baker', 'anna', ...)."""
    value = value.strip().lower()
    local = value.split("@", 1)[0]
    parts = [p for p in local.replace("_", ".").replace("-", ".").split(".") if len(p) > 2]
    return [w for w in (value, local, *parts) if w]


def login_delay(failures: int, *, free: int, cap: int) -> int:
    """Seconds an account waits before its next sign-in after `failures` wrong passwords in a
    row: none for the first `free`, then 2, 4, 8, ... seconds, never more than `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free + 1, 30))


# The least work a stored password hash may take, per method (werkzeug's "method:params$salt$hash").
MIN_PBKDF2_ITERATIONS = 600_000


def hash_cost(password_hash: str) -> tuple[str, int] | None:
    """The method and its work factor (scrypt's N, pbkdf2's iterations) of a werkzeug password
    hash, or None when it is not one this version writes."""
    method = password_hash.split("$", 1)[0]
    parts = method.split(":")
    try:
        if parts[0] == "scrypt" and len(parts) == 4:
            return "scrypt", int(parts[1])
        if parts[0] == "pbkdf2" and len(parts) == 3 and parts[1] in ("sha256", "sha512"):
            return "pbkdf2", int(parts[2])
    except ValueError:
        return None
    return None


def weak_hash_problem(password_hash: str, new_hash_method: str) -> str | None:
    """Why a stored hash is too weak to accept (a restore), or None. It must cost at least what
    a new hash costs here (`new_hash_method`, e.g. werkzeug's "scrypt"), or 600,000 rounds of
    pbkdf2, the method older versions wrote."""
    cost = hash_cost(password_hash)
    if cost is None:
        return "is not a password hash this version can check"
    wanted = hash_cost(_method_with_defaults(new_hash_method) + "$")
    method, work = cost
    if method == "pbkdf2" and work < MIN_PBKDF2_ITERATIONS:
        return f"takes {work} rounds of pbkdf2; at least {MIN_PBKDF2_ITERATIONS} are needed"
    if method == "scrypt" and wanted is not None and wanted[0] == "scrypt" and work < wanted[1]:
        return f"is scrypt at N={work}; at least N={wanted[1]} is needed"
    return None


def _method_with_defaults(method: str) -> str:
    """werkzeug's method names with their default parameters spelt out."""
    return {"scrypt": "scrypt:32768:8:1", "pbkdf2": "pbkdf2:sha256:1000000"}.get(method, method)
