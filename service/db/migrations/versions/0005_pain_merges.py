"""pain corrections, continued: a pain merged into another, a pain that is no pain, items moved out

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pains") as batch:
        batch.add_column(sa.Column("merged_into", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("not_a_pain", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "pain_exclusions",
        sa.Column(
            "pain_id", sa.String(length=64), sa.ForeignKey("pains.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pain_id", "item_id"),
    )


def downgrade() -> None:
    op.drop_table("pain_exclusions")
    with op.batch_alter_table("pains") as batch:
        batch.drop_column("not_a_pain")
        batch.drop_column("merged_into")
