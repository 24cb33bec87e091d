"""Queries of accounts, their users and API tokens (a mixin of ``Tx``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update

from dataconnect.domain.accounts import Account, Role, User, sftp_username
from dataconnect.errors import Conflict
from dataconnect.store import records, schema
from dataconnect.store.base import QueriesBase


class AccountQueries(QueriesBase):
    def create_account(self, name: str, timezone: str, now: datetime) -> Account:
        accounts = schema.accounts
        new_id = self._insert(
            insert(accounts).values(
                name=name,
                name_key=name.lower(),
                timezone=timezone,
                created_at=now,
                sftp_username=f"~{uuid.uuid4().hex}",  # unique until the id is known
            ),
            Conflict(f"an account named {name} exists", code="ACCOUNT_NAME_TAKEN"),
        )
        username = sftp_username(name, new_id)
        self.conn.execute(
            update(accounts).where(accounts.c.id == new_id).values(sftp_username=username)
        )
        return Account(
            id=new_id, name=name, timezone=timezone, created_at=now, sftp_username=username
        )

    def account_by_sftp_username(self, username: str) -> Account | None:
        accounts = schema.accounts
        row = (
            self.conn.execute(select(accounts).where(accounts.c.sftp_username == username))
            .mappings()
            .first()
        )
        return records.account(row) if row else None

    def account(self, account_id: int) -> Account | None:
        row = (
            self.conn.execute(select(schema.accounts).where(schema.accounts.c.id == account_id))
            .mappings()
            .first()
        )
        return records.account(row) if row else None

    def account_by_name(self, name: str) -> Account | None:
        row = (
            self.conn.execute(
                select(schema.accounts).where(schema.accounts.c.name_key == name.lower())
            )
            .mappings()
            .first()
        )
        return records.account(row) if row else None

    def accounts(self) -> list[Account]:
        rows = self.conn.execute(select(schema.accounts).order_by(schema.accounts.c.id)).mappings()
        return [records.account(r) for r in rows]

    def create_user(
        self, account_id: int, email: str, role: Role, password_hash: str | None, now: datetime
    ) -> User:
        new_id = self._insert(
            insert(schema.users).values(
                account_id=account_id,
                email=email,
                email_key=email.lower(),
                role=role.value,
                password_hash=password_hash,
                created_at=now,
            ),
            Conflict(f"user {email} exists in this account", code="USER_EXISTS"),
        )
        return User(id=new_id, account_id=account_id, email=email, role=role)

    def user_by_email(self, account_id: int, email: str) -> User | None:
        row = (
            self.conn.execute(
                select(schema.users).where(
                    schema.users.c.account_id == account_id,
                    schema.users.c.email_key == email.lower(),
                )
            )
            .mappings()
            .first()
        )
        return records.user(row) if row else None

    def users(self, account_id: int) -> list[User]:
        rows = self.conn.execute(
            select(schema.users)
            .where(schema.users.c.account_id == account_id)
            .order_by(schema.users.c.id)
        ).mappings()
        return [records.user(r) for r in rows]

    def password_hash(self, user_id: int) -> str | None:
        found: str | None = self.conn.execute(
            select(schema.users.c.password_hash).where(schema.users.c.id == user_id)
        ).scalar_one_or_none()
        return found

    def create_token(self, user_id: int, token_hash: str, prefix: str, now: datetime) -> int:
        return self._insert(
            insert(schema.api_tokens).values(
                user_id=user_id, token_hash=token_hash, prefix=prefix, created_at=now
            ),
            Conflict("token collision; try again", code="TOKEN_COLLISION"),
        )

    def user_by_token_hash(self, token_hash: str) -> User | None:
        row = (
            self.conn.execute(
                select(schema.users)
                .join(schema.api_tokens, schema.api_tokens.c.user_id == schema.users.c.id)
                .where(
                    schema.api_tokens.c.token_hash == token_hash,
                    schema.api_tokens.c.revoked_at.is_(None),
                )
            )
            .mappings()
            .first()
        )
        return records.user(row) if row else None

    def revoke_tokens(self, user_id: int, now: datetime) -> int:
        result = self.conn.execute(
            update(schema.api_tokens)
            .where(schema.api_tokens.c.user_id == user_id, schema.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)
