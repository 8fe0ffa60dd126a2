"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:55:29.238473
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("text_masked", sa.Text(), nullable=False),
        sa.Column("text_raw", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("satisfied", sa.String(length=10), nullable=False),
        sa.Column("process", sa.String(length=200), nullable=True),
        sa.Column("ratings", sa.JSON(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_items_source_external_id"),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_period"), ["period"], unique=False)
        batch_op.create_index("ix_items_period_kind", ["period", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_process"), ["process"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("card", sa.JSON(), nullable=True),
        sa.Column("is_champion", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "pains",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=True),
        sa.Column("first_period", sa.String(length=10), nullable=True),
        sa.Column("last_period", sa.String(length=10), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labels_item_id"), ["item_id"], unique=False)

    op.create_table(
        "pain_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pain_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("prevalence", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("trend", sa.String(length=20), nullable=True),
        sa.Column("processes", sa.JSON(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pain_id"], ["pains.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pain_id", "period", name="uq_pain_snapshots_pain_period"),
    )
    with op.batch_alter_table("pain_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pain_snapshots_pain_id"), ["pain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pain_snapshots_period"), ["period"], unique=False)

    op.create_table(
        "painmap_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("prevalence", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("responsible", sa.String(length=300), nullable=True),
        sa.Column("deadline", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pain_id", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pain_id"], ["pains.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("painmap_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_painmap_entries_pain_id"), ["pain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_painmap_entries_period"), ["period"], unique=False)
        batch_op.create_index(batch_op.f("ix_painmap_entries_status"), ["status"], unique=False)

    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("review", sa.Boolean(), nullable=False),
        sa.Column("model_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "head", "model_id", name="uq_predictions_item_head_model"),
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_predictions_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_predictions_label"), ["label"], unique=False)

    op.create_table(
        "painmap_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["painmap_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("painmap_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_painmap_history_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("painmap_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_painmap_history_entry_id"))

    op.drop_table("painmap_history")
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_predictions_label"))
        batch_op.drop_index(batch_op.f("ix_predictions_item_id"))

    op.drop_table("predictions")
    with op.batch_alter_table("painmap_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_painmap_entries_status"))
        batch_op.drop_index(batch_op.f("ix_painmap_entries_period"))
        batch_op.drop_index(batch_op.f("ix_painmap_entries_pain_id"))

    op.drop_table("painmap_entries")
    with op.batch_alter_table("pain_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pain_snapshots_period"))
        batch_op.drop_index(batch_op.f("ix_pain_snapshots_pain_id"))

    op.drop_table("pain_snapshots")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labels_item_id"))

    op.drop_table("labels")
    op.drop_table("pains")
    op.drop_table("models")
    op.drop_table("jobs")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_process"))
        batch_op.drop_index("ix_items_period_kind")
        batch_op.drop_index(batch_op.f("ix_items_period"))

    op.drop_table("items")
    op.drop_table("api_keys")
