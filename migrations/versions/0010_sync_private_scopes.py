"""sync: changes recorded with the scope they belong to (a board); private scopes, whose
changes only their members and the space's owner and admins see

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from commonhold.platform.db import rls
from commonhold.platform.sync.changelog import record_changes_sql
from commonhold.settings import get_settings

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The private scopes of the caller's spaces that the caller may not see. Uncorrelated, so a
# policy evaluates it once per statement, not once per row.
HIDDEN_SCOPES_SQL = """
CREATE FUNCTION platform.hidden_scope_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT p.scope_id FROM platform.private_scopes p
  WHERE p.space_id IN (SELECT platform.member_space_ids())
    AND NOT EXISTS (
      SELECT 1 FROM platform.scope_members m
      WHERE m.scope_id = p.scope_id AND m.user_id = platform.current_user_id())
    AND NOT EXISTS (
      SELECT 1 FROM platform.space_members s
      WHERE s.space_id = p.space_id AND s.user_id = platform.current_user_id()
        AND s.role IN ('owner', 'admin'))
$$;
"""
# Who hears a transaction's changes in each private scope it touched: the scope's members and
# the space's owner and admins. Answers members of the space only (the real-time gateway asks
# as one of them).
PRIVATE_AUDIENCES_SQL = """
CREATE FUNCTION platform.private_audiences(target_space uuid, target_txid xid8)
RETURNS TABLE (scope_id uuid, user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT p.scope_id, audience.user_id FROM platform.private_scopes p
  CROSS JOIN LATERAL (
    SELECT m.user_id FROM platform.scope_members m WHERE m.scope_id = p.scope_id
    UNION
    SELECT s.user_id FROM platform.space_members s
    WHERE s.space_id = p.space_id AND s.role IN ('owner', 'admin')
  ) audience
  WHERE p.space_id = target_space
    AND target_space IN (SELECT platform.member_space_ids())
    AND p.scope_id IN (
      SELECT c.scope_id FROM platform.changes c
      WHERE c.space_id = target_space AND c.txid = target_txid)
$$;
"""
NOT_HIDDEN = "scope_id IS NULL OR scope_id NOT IN (SELECT platform.hidden_scope_ids())"


def upgrade() -> None:
    app = get_settings().app_db_role
    op.add_column("changes", sa.Column("scope_id", sa.Uuid(), nullable=True), schema="platform")
    op.create_table(
        "private_scopes",
        sa.Column("scope_id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_private_scopes_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope_id", name=op.f("pk_private_scopes")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_private_scopes_space_id"),
        "private_scopes",
        ["space_id"],
        schema="platform",
    )
    op.create_table(
        "scope_members",
        sa.Column("scope_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["platform.spaces.id"],
            name=op.f("fk_scope_members_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["platform.users.id"],
            name=op.f("fk_scope_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope_id", "user_id", name=op.f("pk_scope_members")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_scope_members_space_id"),
        "scope_members",
        ["space_id"],
        schema="platform",
    )
    op.execute(HIDDEN_SCOPES_SQL)
    op.execute(PRIVATE_AUDIENCES_SQL)
    member = rls.MEMBER_OF_SPACE.format(column="space_id")
    for table in ("platform.private_scopes", "platform.scope_members"):
        # Read-only to the application: apps keep them with triggers of their own.
        for statement in (
            *rls.enable_rls(table),
            f'GRANT SELECT ON {table} TO "{app}"',
            f'CREATE POLICY member_read ON {table} FOR SELECT TO "{app}" USING ({member})',
        ):
            op.execute(statement)
    for statement in (
        f'GRANT EXECUTE ON FUNCTION platform.hidden_scope_ids() TO "{app}"',
        f'GRANT EXECUTE ON FUNCTION platform.private_audiences(uuid, xid8) TO "{app}"',
        f'CREATE POLICY private_scopes ON platform.changes AS RESTRICTIVE FOR SELECT TO "{app}" '
        f"USING ({NOT_HIDDEN})",
        record_changes_sql(announce=True, scoped=True),
    ):
        op.execute(statement)


def downgrade() -> None:
    op.execute(record_changes_sql(announce=True))
    op.execute("DROP POLICY private_scopes ON platform.changes")
    op.execute("DROP FUNCTION platform.private_audiences(uuid, xid8)")
    op.execute("DROP FUNCTION platform.hidden_scope_ids()")
    op.drop_table("scope_members", schema="platform")
    op.drop_table("private_scopes", schema="platform")
    op.drop_column("changes", "scope_id", schema="platform")
