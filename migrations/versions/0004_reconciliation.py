"""reconciliation

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("period_from", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("period_to", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("refund_rows", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("discrepancy_count", sa.Integer(), nullable=False),
        sa.Column(
            "totals", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "status IN ('reconciled', 'open', 'resolved')", name=op.f("ck_reconciliation_runs_status_known")
        ),
        sa.CheckConstraint(
            "rows_total >= 0 AND refund_rows >= 0 AND matched >= 0",
            name=op.f("ck_reconciliation_runs_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_runs")),
    )
    with op.batch_alter_table("reconciliation_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_runs_created_at"), ["created_at"], unique=False)

    op.create_table(
        "discrepancies",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("provider_txn_id", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("expected_minor", sa.BigInteger(), nullable=True),
        sa.Column("expected_currency", sa.String(length=3), nullable=True),
        sa.Column("actual_minor", sa.BigInteger(), nullable=True),
        sa.Column("actual_currency", sa.String(length=3), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("resolved_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('missing_at_provider', 'unknown_at_provider', 'amount_mismatch', "
            "'currency_mismatch', 'duplicate', 'status_mismatch')",
            name=op.f("ck_discrepancies_kind_known"),
        ),
        sa.CheckConstraint(
            "(actual_minor IS NULL) = (actual_currency IS NULL)", name=op.f("ck_discrepancies_actual_has_currency")
        ),
        sa.CheckConstraint(
            "(expected_minor IS NULL) = (expected_currency IS NULL)",
            name=op.f("ck_discrepancies_expected_has_currency"),
        ),
        sa.CheckConstraint(
            "(resolved_at IS NULL) = (resolved_by IS NULL)", name=op.f("ck_discrepancies_resolution_has_author")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_runs.id"],
            name=op.f("fk_discrepancies_run_id_reconciliation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancies")),
    )
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discrepancies_provider_txn_id"), ["provider_txn_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discrepancies_reference"), ["reference"], unique=False)
        batch_op.create_index("ix_discrepancies_run_id_kind", ["run_id", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.drop_index("ix_discrepancies_run_id_kind")
        batch_op.drop_index(batch_op.f("ix_discrepancies_reference"))
        batch_op.drop_index(batch_op.f("ix_discrepancies_provider_txn_id"))

    op.drop_table("discrepancies")
    with op.batch_alter_table("reconciliation_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_runs_created_at"))

    op.drop_table("reconciliation_runs")
