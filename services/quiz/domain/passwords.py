"""Argon2id password hashing, run in eventlet's thread pool so one hash does not stall the hub.

Parameters are OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane).
"""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def _offload(fn, *args):
    try:
        from eventlet import patcher, tpool
    except ImportError:  # pragma: no cover
        return fn(*args)
    if patcher.is_monkey_patched("thread"):
        return tpool.execute(fn, *args)
    return fn(*args)


def hash_password(password):
    return _offload(_hasher.hash, password)


def _verify(hashed, password):
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(hashed, password):
    return _offload(_verify, hashed, password)


# Verified against when the login names nobody, so that a wrong username costs as much as a
# wrong password (no account enumeration by timing).
DUMMY_HASH = _hasher.hash("not-a-real-password")
