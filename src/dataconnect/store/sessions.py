"""Queries of web sessions (a mixin of ``Tx``): looked up by the hash of the cookie only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from dataconnect.domain.accounts import User
from dataconnect.store import schema
from dataconnect.store.records import user as user_record


class SessionQueries:
    conn: Connection

    def create_session(
        self, token_hash: str, user_id: int, csrf_token: str, now: datetime, expires_at: datetime
    ) -> None:
        self.conn.execute(
            insert(schema.web_sessions).values(
                token_hash=token_hash,
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=now,
                expires_at=expires_at,
            )
        )

    def session(self, token_hash: str, now: datetime) -> tuple[User, str, str | None] | None:
        """The user, CSRF token and flash note of a live session."""
        row = (
            self.conn.execute(
                select(schema.users, schema.web_sessions.c.csrf_token, schema.web_sessions.c.flash)
                .join(schema.web_sessions, schema.web_sessions.c.user_id == schema.users.c.id)
                .where(
                    schema.web_sessions.c.token_hash == token_hash,
                    schema.web_sessions.c.expires_at > now,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return user_record(row), row["csrf_token"], row["flash"]

    def set_flash(self, token_hash: str, flash: str | None) -> None:
        self.conn.execute(
            update(schema.web_sessions)
            .where(schema.web_sessions.c.token_hash == token_hash)
            .values(flash=flash)
        )

    def delete_session(self, token_hash: str) -> None:
        self.conn.execute(
            delete(schema.web_sessions).where(schema.web_sessions.c.token_hash == token_hash)
        )

    def delete_expired_sessions(self, now: datetime) -> int:
        result = self.conn.execute(
            delete(schema.web_sessions).where(schema.web_sessions.c.expires_at <= now)
        )
        return int(result.rowcount)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.conn.execute(
            update(schema.users)
            .where(schema.users.c.id == user_id)
            .values(password_hash=password_hash)
        )
        # A new password signs every browser of that user out.
        self.conn.execute(
            delete(schema.web_sessions).where(schema.web_sessions.c.user_id == user_id)
        )
