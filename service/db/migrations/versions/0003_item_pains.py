"""item_pains: each item's pains per period, primary first

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_pains",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("pains", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("period", "item_id"),
    )


def downgrade() -> None:
    op.drop_table("item_pains")
