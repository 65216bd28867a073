"""boards: direct messages indexed by the second person of each pair too, so listing a
person's conversations costs per conversation on any supported PostgreSQL

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_direct_messages_conversation_by_second",
        "direct_messages",
        [
            "space_id",
            sa.text("greatest(sender_id, recipient_id)"),
            sa.text("least(sender_id, recipient_id)"),
        ],
        unique=False,
        schema="boards",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_direct_messages_conversation_by_second", table_name="direct_messages", schema="boards"
    )
