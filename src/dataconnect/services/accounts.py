"""Accounts, users and API tokens: creation (bootstrap, from the CLI) and authentication."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from dataconnect.domain.accounts import (
    Account,
    Caller,
    Role,
    User,
    account_name_problem,
    email_problem,
    role_problem,
    timezone_problem,
)
from dataconnect.domain.text import text_problems
from dataconnect.errors import NotFound, Problem, Unauthenticated, collect
from dataconnect.services.base import Deps

TOKEN_PREFIX = "dc_"  # noqa: S105 - a prefix, not a secret
PASSWORD_WORK = 2**14  # scrypt's N; r=8, p=1
_DUMMY_SALT = "00" * 16
_MAXMEM = 2**28  # scrypt needs 128 * r * N bytes: 128 MiB at the largest N allowed, 2**17


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str, work: int = PASSWORD_WORK) -> str:
    """scrypt with a random salt; the work factor is stored with the hash, so a hash made with
    another N still verifies."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=work, r=8, p=1, maxmem=_MAXMEM)
    return f"scrypt${work}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) == 3:  # written before the work factor was stored: N was 2**14
        parts = [parts[0], str(PASSWORD_WORK), parts[1], parts[2]]
    if len(parts) != 4 or parts[0] != "scrypt" or not parts[1].isdigit():
        return False
    work = int(parts[1])
    if work < 2 or work & (work - 1) or work > 2**17:
        return False
    try:
        salt, expected = bytes.fromhex(parts[2]), parts[3]
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt, n=work, r=8, p=1, maxmem=_MAXMEM)
    return hmac.compare_digest(digest.hex(), expected)


def _password_problems(password: str | None) -> list[Problem]:
    problems = text_problems({"password": password})
    if password is not None and not 12 <= len(password) <= 200:
        problems.append(Problem("password", "PASSWORD_INVALID", "12 to 200 characters"))
    return problems


class AccountService:
    def __init__(self, deps: Deps, password_work: int = PASSWORD_WORK) -> None:
        self._deps = deps
        if password_work < 2 or password_work & (password_work - 1):
            raise ValueError("password_work is a power of two")
        self._work = password_work

    def create_account(self, name: str, timezone: str = "UTC") -> Account:
        problems = text_problems({"name": name, "timezone": timezone})
        problems += [p for p in (account_name_problem(name), timezone_problem(timezone)) if p]
        collect(problems)
        with self._deps.store.write() as tx:
            return tx.create_account(name, timezone, self._deps.clock.now())

    def accounts(self) -> list[Account]:
        with self._deps.store.read() as tx:
            return tx.accounts()

    def account_by_name(self, name: str) -> Account:
        with self._deps.store.read() as tx:
            account = tx.account_by_name(name)
        if account is None:
            raise NotFound(f"no account named {name}", code="ACCOUNT_NOT_FOUND")
        return account

    def account(self, caller: Caller) -> Account:
        with self._deps.store.read() as tx:
            account = tx.account(caller.account_id)
        if account is None:
            raise NotFound("the account no longer exists", code="ACCOUNT_NOT_FOUND")
        return account

    def create_user(
        self, account_name: str, email: str, role: str, password: str | None = None
    ) -> tuple[User, str]:
        """Returns the user and the password (generated when none is given)."""
        problems = text_problems({"email": email, "role": role})
        problems += [p for p in (email_problem(email), role_problem(role)) if p]
        collect(problems + _password_problems(password))
        account = self.account_by_name(account_name)
        password = password or secrets.token_urlsafe(12)
        with self._deps.store.write() as tx:
            user = tx.create_user(
                account.id,
                email,
                Role(role),
                hash_password(password, self._work),
                self._deps.clock.now(),
            )
        return user, password

    def set_password(self, account_name: str, email: str, password: str | None = None) -> str:
        """A new password (generated when none is given); signs the user's browsers out."""
        collect(_password_problems(password))
        account = self.account_by_name(account_name)
        password = password or secrets.token_urlsafe(12)
        with self._deps.store.write() as tx:
            user = tx.user_by_email(account.id, email)
            if user is None:
                raise NotFound(f"no user {email} in account {account.name}", code="USER_NOT_FOUND")
            tx.set_password_hash(user.id, hash_password(password, self._work))
        return password

    def users(self, account_name: str) -> list[User]:
        account = self.account_by_name(account_name)
        with self._deps.store.read() as tx:
            return tx.users(account.id)

    def create_token(self, account_name: str, email: str) -> tuple[User, str]:
        """A new API token for the user; only its hash is kept, so it is shown once."""
        account = self.account_by_name(account_name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._deps.store.write() as tx:
            user = tx.user_by_email(account.id, email)
            if user is None:
                raise NotFound(f"no user {email} in account {account.name}", code="USER_NOT_FOUND")
            tx.create_token(user.id, hash_token(token), token[:12], self._deps.clock.now())
        return user, token

    def revoke_tokens(self, account_name: str, email: str) -> int:
        account = self.account_by_name(account_name)
        with self._deps.store.write() as tx:
            user = tx.user_by_email(account.id, email)
            if user is None:
                raise NotFound(f"no user {email} in account {account.name}", code="USER_NOT_FOUND")
            return tx.revoke_tokens(user.id, self._deps.clock.now())

    def authenticate(self, token: str) -> Caller:
        if not token or len(token) > 200:
            raise Unauthenticated("a valid API token is required", code="TOKEN_INVALID")
        with self._deps.store.read() as tx:
            user = tx.user_by_token_hash(hash_token(token))
        if user is None:
            raise Unauthenticated("a valid API token is required", code="TOKEN_INVALID")
        return Caller(
            account_id=user.account_id, user_id=user.id, role=user.role, label=f"user:{user.email}"
        )

    def login(self, account_name: str, email: str, password: str) -> Caller:
        """Password check for the web UI."""
        bad = Unauthenticated("wrong account, email or password", code="LOGIN_FAILED")
        with self._deps.store.read() as tx:
            account = tx.account_by_name(account_name)
            user = tx.user_by_email(account.id, email) if account else None
            stored = tx.password_hash(user.id) if user else None
        if user is None or stored is None:
            # The same scrypt work as a real check, so timing does not tell who exists.
            verify_password(password, f"scrypt${self._work}${_DUMMY_SALT}$00")
            raise bad
        if not verify_password(password, stored):
            raise bad
        return Caller(
            account_id=user.account_id, user_id=user.id, role=user.role, label=f"user:{user.email}"
        )

    def cli_caller(self, account_name: str) -> Caller:
        """The operator at the server's own console acts as a data director of the account."""
        account = self.account_by_name(account_name)
        return Caller(account_id=account.id, user_id=None, role=Role.DATA_DIRECTOR, label="cli")
