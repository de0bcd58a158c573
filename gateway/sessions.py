"""Ending sessions: the gateway's cache of each account's token version (SPEC 6, issue 13).

Every token carries the version of its account at issue (`ver`). Quiz owns the version and bumps it
when a password is changed or reset, an account deactivated, or its role or unit changed (the token
carries them); a token of an older version is refused (401 `session_ended`). Asking quiz on every request would double the RPCs, so each gateway
process keeps the versions it has seen:

- an entry lives TOKEN_VERSION_TTL_S seconds, then the next request with that account asks quiz
  again (`quiz.token_state`); concurrent misses of one account share one call;
- quiz announces every bump as `account_sessions_ended` (outbox, same transaction as the change);
  each gateway process consumes it from its own exclusive, auto-deleted queue bound to `quiz.events`
  (gateway/rpc.py `subscribe`), so a bump reaches every process and every uvicorn worker at once;
- while the broker is away, events may be missed: the cache is emptied whenever the connection
  comes back, and the TTL bounds how long a missed event can matter. A miss that cannot ask quiz
  answers 503 unless this process knew the account's version before (then that version decides).

A token whose `ver` is newer than the cached entry means the entry is stale (the account logged in
again after a change this process has not heard of yet): it is asked again, not refused; so is a
token of the current version of an account cached as inactive (it logged in after a reactivation).
"""
import asyncio
import logging
import time

from gateway.rpc_errors import ServiceUnavailable

log = logging.getLogger(__name__)

EVENT = "account_sessions_ended"
SOURCE = "quiz"


class TokenVersions:
    """`{user id: (version, active, expires at)}`, filled from quiz and from quiz's events."""

    def __init__(self, fetch, ttl_s, clock=time.monotonic, max_entries=100_000):
        self._fetch = fetch          # async (user_id) -> {"version": int | None, "active": bool}
        self.ttl_s = ttl_s
        self._clock = clock
        self.max_entries = max_entries
        self._entries = {}
        self._inflight = {}          # user id -> task of the fetch in flight

    def __len__(self):
        return len(self._entries)

    def _store(self, user_id, version, active):
        if len(self._entries) >= self.max_entries and user_id not in self._entries:
            self._entries.clear()  # crude but safe: everything is asked again
        self._entries[user_id] = (version, active, self._clock() + self.ttl_s)

    async def _refresh(self, user_id):
        task = self._inflight.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._fetch(user_id))
            self._inflight[user_id] = task
            task.add_done_callback(lambda _t, uid=user_id: self._inflight.pop(uid, None))
        state = await asyncio.shield(task)
        version, active = state.get("version"), bool(state.get("active"))
        if version is not None:
            self._store(user_id, version, active)
        return version, active

    async def valid(self, user_id, ver):
        """Whether a token of `user_id` issued at version `ver` still stands."""
        user_id = str(user_id)
        ver = int(ver or 0)
        entry = self._entries.get(user_id)
        if entry is not None and entry[2] > self._clock():
            if ver < entry[0]:
                return False
            if ver == entry[0] and entry[1]:
                return True
            # Newer than the entry, or the entry says inactive while this token is of the version
            # deactivation set (so issued after a reactivation): the entry is stale, ask again.
        try:
            version, active = await self._refresh(user_id)
        except ServiceUnavailable:
            # Quiz cannot answer (the monitor page is wanted most then): the last known version of
            # an account this process has seen still decides; one it never saw is a 503.
            if entry is None:
                raise
            version, active = entry[0], entry[1]
        return version is not None and active and ver == version

    def on_event(self, payload):
        """`account_sessions_ended` from quiz: `{user_id, version, active}`."""
        try:
            user_id, version = str(payload["user_id"]), int(payload["version"])
        except (KeyError, TypeError, ValueError):
            log.warning("%s without user_id/version ignored: %r", EVENT, payload)
            return
        current = self._entries.get(user_id)
        if current is not None and current[0] > version:
            return  # a late duplicate of an older bump
        self._store(user_id, version, bool(payload.get("active", True)))

    def clear(self):
        """Forget everything (the event stream had a gap: a reconnect)."""
        self._entries.clear()
