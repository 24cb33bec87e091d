"""Web UI sign-in: server-side sessions behind an opaque cookie, each with its CSRF token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from dataconnect.domain.accounts import Caller, Role
from dataconnect.errors import Unauthenticated
from dataconnect.services.accounts import AccountService
from dataconnect.services.base import Deps

SESSION_HOURS = 12
TOKEN_MAX = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSession:
    token: str
    caller: Caller
    email: str
    csrf_token: str
    flash: str | None = None

    @property
    def can_write(self) -> bool:
        return self.caller.role is Role.DATA_DIRECTOR


class SessionService:
    def __init__(self, deps: Deps, accounts: AccountService) -> None:
        self._deps = deps
        self._accounts = accounts

    def sign_in(self, account_name: str, email: str, password: str) -> WebSession:
        """A new session for the right password; LOGIN_FAILED says nothing of which part was
        wrong, so the form cannot be used to find accounts or users."""
        if max(len(account_name), len(email), len(password)) > TOKEN_MAX:
            raise Unauthenticated("wrong account, email or password", code="LOGIN_FAILED")
        caller = self._accounts.login(account_name, email, password)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            tx.delete_expired_sessions(now)
            assert caller.user_id is not None
            tx.create_session(
                _hash(token), caller.user_id, csrf, now, now + timedelta(hours=SESSION_HOURS)
            )
        return WebSession(token=token, caller=caller, email=email, csrf_token=csrf)

    def current(self, token: str | None) -> WebSession:
        """The live session of this cookie, with its flash note taken (shown once)."""
        found = self._find(token)
        if found.flash is not None:
            # A write only when there is a note to take: page views stay reads.
            with self._deps.store.write() as tx:
                tx.set_flash(_hash(found.token), None)
        return found

    def peek(self, token: str | None) -> WebSession:
        """Like ``current`` but leaves the flash note for the next page (JSON polling)."""
        return replace(self._find(token), flash=None)

    def _find(self, token: str | None) -> WebSession:
        if not token or len(token) > TOKEN_MAX:
            raise Unauthenticated("sign in first", code="SESSION_MISSING")
        with self._deps.store.read() as tx:
            found = tx.session(_hash(token), self._deps.clock.now())
        if found is None:
            raise Unauthenticated("your session ended; sign in again", code="SESSION_EXPIRED")
        user, csrf, flash = found
        caller = Caller(
            account_id=user.account_id, user_id=user.id, role=user.role, label=f"user:{user.email}"
        )
        return WebSession(
            token=token, caller=caller, email=user.email, csrf_token=csrf, flash=flash
        )

    def flash(self, token: str, message: str) -> None:
        with self._deps.store.write() as tx:
            tx.set_flash(_hash(token), message[:500])

    def sign_out(self, token: str | None) -> None:
        if token and len(token) <= TOKEN_MAX:
            with self._deps.store.write() as tx:
                tx.delete_session(_hash(token))
