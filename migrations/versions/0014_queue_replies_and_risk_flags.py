"""queue markers: a customer's reply waiting for an agent, and the case's risk flags (with their partial indexes)

Existing cases are backfilled: the risk flags from the review triggers in their stored eligibility answer, the
reply marker for open cases whose last customer reply no staff member has acted on since.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Only the few cases a customer waits on, or that carry a risk flag: small at 100,000 cases.
PARTIAL_INDEXES = {
    "ix_return_cases_customer_replied_at": (["customer_replied_at", "id"], "customer_replied_at IS NOT NULL"),
    "ix_return_cases_risky": (["created_at", "id"], "risk_flags <> 0"),
}
# domain.risk.RiskFlag as of this revision (stored values: they never change).
RISK_BITS = {"high_value": 1, "high_return_rate": 2, "blocklisted": 4, "empty_box_history": 8}
HAS_TRIGGER = {  # per dialect: add :bit to the cases whose stored eligibility answer lists review trigger :code
    "postgresql": "UPDATE return_cases SET risk_flags = risk_flags + :bit "
    "WHERE (eligibility -> 'review') @> jsonb_build_array(jsonb_build_object('code', CAST(:code AS text)))",
    "sqlite": "UPDATE return_cases SET risk_flags = risk_flags + :bit WHERE EXISTS (SELECT 1 FROM "
    "json_each(return_cases.eligibility, '$.review') WHERE json_extract(json_each.value, '$.code') = :code)",
}
# An open case waits since its first customer reply after the last staff event that answers (not a note, not an
# assignment: services/projection.py); no such reply gives NULL.
WAITING_REPLIES = """
UPDATE return_cases SET customer_replied_at = (
    SELECT min(r.at) FROM case_events r
    WHERE r.case_id = return_cases.id AND r.type = 'customer_replied' AND r.seq > coalesce((
        SELECT max(a.seq) FROM case_events a JOIN staff_users u ON u.username = a.actor
        WHERE a.case_id = return_cases.id AND a.type NOT IN ('note', 'assigned')
    ), 0)
)
WHERE status NOT IN ('completed', 'cancelled', 'rejected')
"""


def upgrade() -> None:
    # Plain ALTERs, no batch: on SQLite a batch copy drops return_cases, and with foreign keys on that deletes
    # every case's events, items and shipments (ON DELETE CASCADE).
    op.add_column("return_cases", sa.Column("risk_flags", sa.SmallInteger(), server_default="0", nullable=False))
    op.add_column("return_cases", sa.Column("customer_replied_at", db.base.UTCDateTime(timezone=True), nullable=True))
    for name, (columns, where) in PARTIAL_INDEXES.items():
        op.create_index(name, "return_cases", columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    bind = op.get_bind()
    for code, bit in RISK_BITS.items():
        bind.execute(sa.text(HAS_TRIGGER[bind.dialect.name]), {"bit": bit, "code": code})
    bind.execute(sa.text(WAITING_REPLIES))


def downgrade() -> None:
    for name in reversed(PARTIAL_INDEXES):
        op.drop_index(name, table_name="return_cases")
    op.drop_column("return_cases", "customer_replied_at")  # SQLite 3.35+ drops a column in place
    op.drop_column("return_cases", "risk_flags")
