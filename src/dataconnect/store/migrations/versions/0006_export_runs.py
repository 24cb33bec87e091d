"""export runs: a job's own notification, a run's output files and change sequence

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("notification", sa.JSON(), nullable=True))
    with op.batch_alter_table("job_runs") as runs:
        runs.add_column(sa.Column("output_files", sa.JSON(), nullable=True))
        runs.add_column(sa.Column("change_table", sa.String(length=80), nullable=True))
        runs.add_column(sa.Column("change_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as runs:
        runs.drop_column("change_seq")
        runs.drop_column("change_table")
        runs.drop_column("output_files")
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_column("notification")
