"""Row-level security DDL, shared by every migration that creates a space-owned table.

The application role sees a row only when ``app.user_id`` belongs to a member of the row's
space. The owner role (migrations, and the membership lookups below) gets an explicit
allow-all policy, because ``FORCE ROW LEVEL SECURITY`` subjects the owner to policies too.
"""

from __future__ import annotations

MEMBER_OF_SPACE = "{column} IN (SELECT platform.member_space_ids())"
# The invitation whose token the caller presented (set by ``set_invitation_context``).
PRESENTED_INVITATION = "token_hash = nullif(current_setting('app.invitation_token_hash', true), '')"

# Functions the policies call. SECURITY DEFINER lets them read memberships and invitations
# as the owner; without it the space_members policy would have to consult itself.
FUNCTIONS_SQL = """
CREATE FUNCTION platform.current_user_id() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE FUNCTION platform.member_space_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT m.space_id FROM platform.space_members m
  WHERE m.user_id = platform.current_user_id()
$$;

-- The space a presented invitation token opens, and the role it offers, while that invitation
-- is pending and unexpired.
CREATE FUNCTION platform.invited_space_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT i.space_id FROM platform.space_invitations i
  WHERE i.token_hash = nullif(current_setting('app.invitation_token_hash', true), '')
    AND i.status = 'pending' AND i.expires_at > now()
$$;

CREATE FUNCTION platform.invited_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT i.role FROM platform.space_invitations i
  WHERE i.token_hash = nullif(current_setting('app.invitation_token_hash', true), '')
    AND i.status = 'pending' AND i.expires_at > now()
$$;

-- True while a space just created by the current user has no members: its creator may
-- then add themselves as owner.
CREATE FUNCTION platform.space_awaits_owner(target uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, platform
AS $$
  SELECT EXISTS (
    SELECT 1 FROM platform.spaces s
    WHERE s.id = target AND s.created_by = platform.current_user_id()
      AND NOT EXISTS (SELECT 1 FROM platform.space_members m WHERE m.space_id = target)
  )
$$;
"""


def enable_rls(table: str) -> list[str]:
    """Enable and force RLS on ``table`` and give its owner an allow-all policy."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY owner_all ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)",
    ]


def member_policy(table: str, app_role: str, column: str = "space_id") -> str:
    """Members of a row's space may read and write it, and only within their spaces."""
    member = MEMBER_OF_SPACE.format(column=column)
    return (
        f'CREATE POLICY member_access ON {table} TO "{app_role}" '
        f"USING ({member}) WITH CHECK ({member})"
    )


def space_owned_table(table: str, app_role: str, column: str = "space_id") -> list[str]:
    """The standard protection of a table whose rows belong to one space each."""
    return [
        *enable_rls(table),
        member_policy(table, app_role, column),
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{app_role}"',
    ]
