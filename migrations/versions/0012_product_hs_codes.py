"""product HS codes: the catalogue declares returned items whose order line has no HS code

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hs_code", sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_products_hs_code_length"), "hs_code IS NULL OR length(hs_code) IN (6, 8, 10)"
        )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_products_hs_code_length"), type_="check")
        batch_op.drop_column("hs_code")
