"""The metadata database: every table, index and constraint. Alembic migrations must match it
(``tests/store/test_migrations.py`` checks)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from dataconnect.store.types import Id, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # the login name of the account's SFTP folders (domain.accounts.sftp_username), never changed
    Column("sftp_username", String(64), nullable=False, unique=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("email_key", String(254), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(255), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "email_key"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    # SHA-256 of the token: tokens are long random strings, so a fast hash is enough.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

data_tables = Table(
    "data_tables",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(30), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("list_name", String(30), nullable=True),
    Column("definition", JSON, nullable=False),  # fields and primary key
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    Column("description", String(255), nullable=False, server_default=""),
    Column("type", String(10), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("run_mode", String(20), nullable=False),
    Column("state", String(10), nullable=False),
    Column("schedule", JSON, nullable=True),
    Column("settings", JSON, nullable=False),
    Column("notification", JSON, nullable=True),  # emails about its own runs; NULL: none
    Column("expires_at", UTCDateTime, nullable=True),  # NULL: never
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name_key"),
    Index("ix_jobs_expires_at", "expires_at"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    Column("description", String(255), nullable=False, server_default=""),
    Column("notification", JSON, nullable=False),
    Column("schedule", JSON, nullable=True),
    Column("state", String(10), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("expiry_warned_at", UTCDateTime, nullable=True),  # the 3-day warning was recorded
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name_key"),
    Index("ix_groups_expires_at", "expires_at"),
)

# A job belongs to at most one group: the UNIQUE on job_id is Group rule 1's "in no other group".
group_jobs = Table(
    "group_jobs",
    metadata,
    Column("group_id", Id, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="RESTRICT"), nullable=False, unique=True),
)

# --- runs: written by the runtime (later issues); shaped now so the records fit ------------

ACTIVE_GROUP_RUN = "state IN ('queued', 'running', 'stopping')"
ACTIVE_JOB_RUN = "state IN ('queued', 'running')"

group_runs = Table(
    "group_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # No foreign key: run history outlives a deleted group.
    Column("group_id", Id, nullable=False),
    Column("group_name", String(100), nullable=False),
    Column("state", String(10), nullable=False),
    Column("trigger", String(10), nullable=False),
    Column("requested_by", String(300), nullable=False),
    Column("occurrence_id", Id, nullable=True),
    Column("stop_requested_at", UTCDateTime, nullable=True),
    Column("stopped_by", String(300), nullable=True),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("error_code", String(60), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Index("ix_group_runs_account_id_id", "account_id", "id"),
    # A group's runs newest first, and each group's newest run (the Group jobs tab).
    Index("ix_group_runs_group_id_id", "group_id", "id"),
    # The database refuses a second run in progress of one group.
    Index(
        "uq_group_runs_one_active",
        "group_id",
        unique=True,
        sqlite_where=text(ACTIVE_GROUP_RUN),
        postgresql_where=text(ACTIVE_GROUP_RUN),
    ),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("job_id", Id, nullable=False),  # no foreign key: history outlives the job
    Column("job_name", String(100), nullable=False),
    Column("group_run_id", Id, ForeignKey("group_runs.id"), nullable=True),
    Column("position", Integer, nullable=True),
    Column("state", String(10), nullable=False),
    Column("trigger", String(10), nullable=False),
    Column("requested_by", String(300), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("stop_requested_at", UTCDateTime, nullable=True),
    Column("stopped_by", String(300), nullable=True),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("records_processed", Integer, nullable=False, server_default="0"),
    Column("records_added", Integer, nullable=False, server_default="0"),
    Column("records_updated", Integer, nullable=False, server_default="0"),
    Column("records_rejected", Integer, nullable=False, server_default="0"),
    Column("error_code", String(60), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("rejects_file", String(300), nullable=True),
    Column("file_name", String(300), nullable=True),
    # An export's files (folder/name in the account's file server), and how far it read its
    # source: the table's change sequence, for the next changed_since_last_run export.
    Column("output_files", JSON, nullable=True),
    Column("change_table", String(80), nullable=True),
    Column("change_seq", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Index("ix_job_runs_account_id_id", "account_id", "id"),
    # A job never runs twice at once, in or out of its group.
    Index(
        "uq_job_runs_one_active",
        "job_id",
        unique=True,
        sqlite_where=text(ACTIVE_JOB_RUN),
        postgresql_where=text(ACTIVE_JOB_RUN),
    ),
)

group_run_steps = Table(
    "group_run_steps",
    metadata,
    Column("group_run_id", Id, ForeignKey("group_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("job_id", Id, nullable=False),
    Column("job_name", String(100), nullable=False),
    Column("state", String(10), nullable=False),
    Column("job_run_id", Id, ForeignKey("job_runs.id"), nullable=True),
)

run_events = Table(
    "run_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_kind", String(10), nullable=False),  # group | job
    Column("run_id", Id, nullable=False),
    Column("from_state", String(10), nullable=True),
    Column("to_state", String(10), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("note", Text, nullable=True),
    Index("ix_run_events_run", "run_kind", "run_id"),
)

# One row per planned fire; the UNIQUE makes firing exactly-once whatever the schedulers do.
occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("owner_kind", String(10), nullable=False),  # group | job
    Column("owner_id", Id, nullable=False),
    Column("nominal_at", UTCDateTime, nullable=False),
    Column("fire_at", UTCDateTime, nullable=False),  # jittered minute, drawn once and kept
    Column("state", String(10), nullable=False),  # planned | fired | skipped | missed | expired
    Column("group_run_id", Id, nullable=True),
    Column("job_run_id", Id, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    UniqueConstraint("owner_kind", "owner_id", "nominal_at"),
    Index("ix_occurrences_due", "state", "fire_at"),
)

# Emails to send, written in the same transaction as what they report.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # pending → sent, or not_sent (no SMTP server configured), or failed (gave up after a day)
    Column("status", String(10), nullable=False, server_default="pending"),
    Column("group_run_id", Id, nullable=True),  # the run an email reports, shown with it
    Column("claimed_by", String(100), nullable=True),  # the mailer sending it right now
    Column("claimed_until", UTCDateTime, nullable=True),
    Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
    Index("ix_outbox_group_run_id", "group_run_id"),
)

# Signed-in browsers. Only the SHA-256 of the session cookie is kept, so a leaked table signs
# nobody in; the CSRF token is per session (synchronizer token), the flash is the next page's note.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("flash", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_expires_at", "expires_at"),
)

# Public keys that may log in to the account's SFTP folders: the key itself ("type base64"), and
# what is shown of it. One key once per account.
ssh_keys = Table(
    "ssh_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("key_type", String(40), nullable=False),
    Column("bits", Integer, nullable=False),
    Column("fingerprint", String(80), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    UniqueConstraint("account_id", "fingerprint"),
)

# Outside SFTP servers. ``secret`` is the password or the generated private key, encrypted with
# the settings' secret key (never answered); ``host_key`` is pinned at the first good test.
connections = Table(
    "connections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("host", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("username", String(100), nullable=False),
    Column("auth", String(10), nullable=False),
    Column("secret", Text, nullable=True),
    Column("public_key", Text, nullable=True),
    Column("host_key", Text, nullable=True),
    Column("host_key_fingerprint", String(80), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name_key"),
)

__all__ = [
    "accounts",
    "api_tokens",
    "connections",
    "data_tables",
    "group_jobs",
    "group_run_steps",
    "group_runs",
    "groups",
    "job_runs",
    "jobs",
    "metadata",
    "occurrences",
    "outbox",
    "run_events",
    "ssh_keys",
    "users",
    "web_sessions",
]
