"""files over SFTP: each account's SFTP login name, its SSH keys, outside SFTP servers

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTCDateTime = sa.DateTime(timezone=True)


def _username(name: str, account_id: int) -> str:
    # domain.accounts.sftp_username, frozen here as the migration's own copy of the rule
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "account"
    return f"{slug}-{account_id}"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as accounts:
        accounts.add_column(sa.Column("sftp_username", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM accounts")).fetchall()
    for account_id, name in rows:
        conn.execute(
            sa.text("UPDATE accounts SET sftp_username = :u WHERE id = :id"),
            {"u": _username(name, account_id), "id": account_id},
        )
    with op.batch_alter_table("accounts") as accounts:
        accounts.alter_column("sftp_username", existing_type=sa.String(length=64), nullable=False)
        accounts.create_unique_constraint("uq_accounts_sftp_username", ["sftp_username"])

    op.create_table(
        "ssh_keys",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            Id,
            sa.ForeignKey(
                "accounts.id", ondelete="CASCADE", name="fk_ssh_keys_account_id_accounts"
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_type", sa.String(length=40), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=80), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("last_used_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ssh_keys"),
        sa.UniqueConstraint("account_id", "fingerprint", name="uq_ssh_keys_account_id_fingerprint"),
    )
    op.create_table(
        "connections",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            Id,
            sa.ForeignKey(
                "accounts.id", ondelete="CASCADE", name="fk_connections_account_id_accounts"
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=10), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.Column("host_key", sa.Text(), nullable=True),
        sa.Column("host_key_fingerprint", sa.String(length=80), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_connections"),
        sa.UniqueConstraint("account_id", "name_key", name="uq_connections_account_id_name_key"),
    )


def downgrade() -> None:
    op.drop_table("connections")
    op.drop_table("ssh_keys")
    with op.batch_alter_table("accounts") as accounts:
        accounts.drop_constraint("uq_accounts_sftp_username", type_="unique")
        accounts.drop_column("sftp_username")
