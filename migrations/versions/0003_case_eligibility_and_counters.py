"""case eligibility and counters

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("n", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("tender_position", sa.Integer(), nullable=False, server_default="0"))

    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "eligibility",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="{}",
            )
        )

    with op.batch_alter_table("return_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eligible", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(
            sa.Column(
                "refusals",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("return_items", schema=None) as batch_op:
        batch_op.drop_column("refusals")
        batch_op.drop_column("eligible")

    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.drop_column("eligibility")

    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("tender_position")
        batch_op.drop_column("n")

    op.drop_table("counters")
