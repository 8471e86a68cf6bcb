"""Indexes for the agents' queues: one per keyset sort order.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.create_index("ix_return_cases_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_return_cases_estimate_minor_id", ["estimate_minor", "id"], unique=False)
        batch_op.create_index("ix_return_cases_sla_due_at_id", ["sla_due_at", "id"], unique=False)
        batch_op.create_index("ix_return_cases_assignee_id_status", ["assignee_id", "status"], unique=False)
        batch_op.create_index(
            "ix_return_cases_escalated",
            ["status"],
            unique=False,
            postgresql_where=sa.text("escalated"),
            sqlite_where=sa.text("escalated"),
        )


def downgrade() -> None:
    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_return_cases_escalated")
        batch_op.drop_index("ix_return_cases_assignee_id_status")
        batch_op.drop_index("ix_return_cases_sla_due_at_id")
        batch_op.drop_index("ix_return_cases_estimate_minor_id")
        batch_op.drop_index("ix_return_cases_created_at_id")
