"""Cross-border returns: customs declarations, duty drawback claims, dated FX rates.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warehouse_country", sa.String(length=2), nullable=True))
    op.create_table(
        "fx_rates",
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=24, scale=12), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("rate > 0", name=op.f("ck_fx_rates_rate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fx_rates")),
        sa.UniqueConstraint("on_date", "base", "quote", name=op.f("uq_fx_rates_on_date_base_quote")),
    )
    op.create_table(
        "customs_declarations",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_country", sa.String(length=2), nullable=False),
        sa.Column("to_country", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("export_reference", sa.String(length=64), nullable=True),
        sa.Column(
            "items", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "problems", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "estimate", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("duty_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("payer", sa.String(length=16), nullable=False),
        sa.Column("broker_ref", sa.String(length=64), nullable=True),
        sa.Column("broker_note", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('needs_classification', 'ready', 'submitted', 'held', 'cleared', 'refused')",
            name=op.f("ck_customs_declarations_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["return_cases.id"],
            name=op.f("fk_customs_declarations_case_id_return_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_declarations")),
        sa.UniqueConstraint("broker_ref", name=op.f("uq_customs_declarations_broker_ref")),
        sa.UniqueConstraint("case_id", name=op.f("uq_customs_declarations_case_id")),
    )
    with op.batch_alter_table("customs_declarations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customs_declarations_status"), ["status"], unique=False)

    op.create_table(
        "drawback_claims",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("paid_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("status IN ('filed', 'paid', 'rejected')", name=op.f("ck_drawback_claims_status_known")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_drawback_claims_amount_positive")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["return_cases.id"], name=op.f("fk_drawback_claims_case_id_return_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawback_claims")),
        sa.UniqueConstraint("case_id", name=op.f("uq_drawback_claims_case_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_drawback_claims_reference")),
    )


def downgrade() -> None:
    with op.batch_alter_table("return_cases", schema=None) as batch_op:
        batch_op.drop_column("warehouse_country")
    op.drop_table("drawback_claims")
    with op.batch_alter_table("customs_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customs_declarations_status"))

    op.drop_table("customs_declarations")
    op.drop_table("fx_rates")
