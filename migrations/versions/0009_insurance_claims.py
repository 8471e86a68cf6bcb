"""Insurance claims of return cases (shipping-fee and transit).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=96), nullable=False),
        sa.Column("claimed_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column(
            "evidence", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("insurer_ref", sa.String(length=64), nullable=True),
        sa.Column("insurer_note", sa.Text(), nullable=True),
        sa.Column("due_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("kind IN ('shipping_fee', 'transit')", name=op.f("ck_claims_kind_known")),
        sa.CheckConstraint(
            "status IN ('filing', 'submitted', 'more_evidence', 'approved', 'partial', 'denied', 'lapsed')",
            name=op.f("ck_claims_status_known"),
        ),
        sa.CheckConstraint("claimed_minor > 0", name=op.f("ck_claims_claimed_positive")),
        sa.CheckConstraint("paid_minor >= 0 AND paid_minor <= claimed_minor", name=op.f("ck_claims_paid_within_claim")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["return_cases.id"], name=op.f("fk_claims_case_id_return_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_claims_case_id_kind")),
        sa.UniqueConstraint("insurer_ref", name=op.f("uq_claims_insurer_ref")),
        sa.UniqueConstraint("reference", name=op.f("uq_claims_reference")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_status"))
        batch_op.drop_index(batch_op.f("ix_claims_case_id"))

    op.drop_table("claims")
