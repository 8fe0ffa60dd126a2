"""pain corrections: an analyst's own name for a pain, and the history of such changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pains") as batch:
        batch.add_column(sa.Column("analyst_label", sa.Text(), nullable=True))
    op.create_table(
        "pain_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "pain_id", sa.String(length=64), sa.ForeignKey("pains.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pain_changes_pain_id", "pain_changes", ["pain_id"])


def downgrade() -> None:
    op.drop_index("ix_pain_changes_pain_id", table_name="pain_changes")
    op.drop_table("pain_changes")
    with op.batch_alter_table("pains") as batch:
        batch.drop_column("analyst_label")
