"""The change log's database side: triggers that record every change of a synced table.

Triggers rather than application hooks, so nothing escapes the log: bulk inserts (the
occurrence generator), soft deletes, restores and plain deletes are all recorded, in the
transaction that made them. A migration makes a table synced with ``track_table``; the table
needs ``id``, ``space_id`` and a ``version`` column.

A table may name a *scope* column (``track_table(..., scope="board_id")``): its changes are
logged with that column's value as ``scope_id``. A scope listed in ``platform.private_scopes``
is seen only by its members (``platform.scope_members``) and by the space's owner and admins:
row-level security hides its changes from everyone else, in ``/sync`` and in real time.

Position in the log is ``(txid, id)``: the writing transaction's id, then the row's order
within it. A reader only takes rows of transactions older than every transaction still
running (``pg_snapshot_xmin``), so a transaction that commits late can never slip in behind
a position already handed out.
"""

from __future__ import annotations

BUMP_VERSION_SQL = """
CREATE FUNCTION platform.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
"""

_LOGGED_COLUMNS = "(space_id, actor_id, entity_type, entity_id, action, fields, version)"
_SCOPED_COLUMNS = _LOGGED_COLUMNS[:-1] + ", scope_id)"

_LOG_INSERTED = """
    SELECT n.space_id, actor, entity, n.id, 'created', to_jsonb(n) - hidden, n.version{scope n}
    FROM new_rows n"""

_LOG_UPDATED = """
    SELECT n.space_id, actor, entity, n.id,
           CASE
             WHEN j.old_row ->> 'deleted_at' IS NULL AND j.new_row ->> 'deleted_at' IS NOT NULL
               THEN 'deleted'
             WHEN j.old_row ->> 'deleted_at' IS NOT NULL AND j.new_row ->> 'deleted_at' IS NULL
               THEN 'restored'
             ELSE 'updated'
           END,
           (SELECT jsonb_object_agg(field.key, field.value) FROM jsonb_each(j.new_row) field
            WHERE field.value IS DISTINCT FROM j.old_row -> field.key),
           n.version{scope n}
    FROM new_rows n
    -- Rows whose version stayed had only hidden columns set (bump_version_trigger).
    JOIN old_rows o ON o.id = n.id AND o.version <> n.version
    -- OFFSET 0 keeps each row's JSON computed once, not again for every field compared.
    CROSS JOIN LATERAL (
      SELECT to_jsonb(n) - hidden AS new_row, to_jsonb(o) - hidden AS old_row OFFSET 0
    ) j
    WHERE j.new_row IS DISTINCT FROM j.old_row"""

_LOG_DELETED = """
    SELECT o.space_id, actor, entity, o.id, 'removed', '{}'::jsonb, o.version{scope o}
    FROM old_rows o"""


def _selecting(rows: str, *, scoped: bool) -> str:
    """``rows`` with the scope column's value selected last when ``scoped``."""
    for row in ("n", "o"):
        scope = (
            ",\n           CASE WHEN scope_column IS NOT NULL"
            f" THEN (to_jsonb({row}) ->> scope_column)::uuid END"
        )
        rows = rows.replace(f"{{scope {row}}}", scope if scoped else "")
    return rows


def record_changes_sql(*, announce: bool, scoped: bool = False) -> str:
    """``platform.record_changes()``, the trigger function writing the log.

    With ``announce``, it also notifies channel ``commonhold_changes`` with the transaction
    and each space it logged changes of (``{"txid": "...", "space_id": "..."}``). PostgreSQL
    delivers notifications only once the transaction commits, in commit order, and folds
    identical ones: one per (transaction, space). With ``scoped``, an argument
    ``scope=<column>`` names the column logged as ``scope_id``.
    """

    def log(rows: str) -> str:
        columns = _SCOPED_COLUMNS if scoped else _LOGGED_COLUMNS
        insert = f"INSERT INTO platform.changes {columns}{_selecting(rows, scoped=scoped)}"
        if not announce:
            return f"{insert};"
        aggregate = "SELECT array_agg(DISTINCT space_id) INTO spaces FROM logged;"
        return f"WITH logged AS ({insert}\n    RETURNING space_id)\n    {aggregate}"

    declarations = (
        """hidden text[] := ARRAY(
    SELECT a FROM unnest(TG_ARGV[1:]) a WHERE a NOT LIKE 'scope=%') || ARRAY['version'];
  scope_column text := (SELECT substr(a, 7) FROM unnest(TG_ARGV) a WHERE a LIKE 'scope=%');"""
        if scoped
        else "hidden text[] := TG_ARGV[1:] || ARRAY['version'];"
    )
    notify = (
        """
  PERFORM pg_notify('commonhold_changes', json_build_object(
    'txid', pg_current_xact_id()::text, 'space_id', space_id)::text)
  FROM unnest(spaces) space_id;"""
        if announce
        else ""
    )
    scope_note = " (and\n-- scope=<column> the scope column)" if scoped else ""
    return f"""
-- Statement-level, over the transition tables: one INSERT into the log per statement.
-- TG_ARGV[0] is the entity type; further arguments name columns kept out of the log{scope_note}.
-- SECURITY DEFINER: the application role may read the log but never write it directly.
-- enable_nestloop off: transition tables carry no statistics, and a nested loop joining old
-- and new rows of a large update costs seconds where a hash join costs milliseconds.
CREATE OR REPLACE FUNCTION platform.record_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, platform
SET enable_nestloop = off AS $$
DECLARE
  entity text := TG_ARGV[0];
  {declarations}
  actor uuid := nullif(current_setting('app.user_id', true), '')::uuid;
  spaces uuid[] := '{{}}';
BEGIN
  IF TG_OP = 'INSERT' THEN
    {log(_LOG_INSERTED)}
  ELSIF TG_OP = 'UPDATE' THEN
    {log(_LOG_UPDATED)}
  ELSE
    {log(_LOG_DELETED)}
  END IF;{notify}
  RETURN NULL;
END $$;
"""  # noqa: S608 - assembled from this module's constants


def track_table(
    table: str, entity_type: str, hidden: tuple[str, ...] = (), scope: str | None = None
) -> list[str]:
    """Record every change of ``table`` (``schema.name``) as ``entity_type`` changes, and bump
    its rows' ``version`` on each update. ``hidden`` columns stay out of the log; ``scope``
    names the column whose value is logged as the change's ``scope_id``."""
    return [bump_version_trigger(table, hidden), *log_triggers(table, entity_type, hidden, scope)]


def log_triggers(
    table: str, entity_type: str, hidden: tuple[str, ...] = (), scope: str | None = None
) -> list[str]:
    """The triggers logging ``table``'s inserts, updates and deletes (``{name}_log_insert``,
    ``_update``, ``_delete``)."""
    name = table.split(".")[-1]
    scoping = (f"scope={scope}",) if scope else ()
    arguments = ", ".join(f"'{value}'" for value in (entity_type, *hidden, *scoping))
    statements = []
    for event, transitions in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        statements.append(
            f"CREATE TRIGGER {name}_log_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {transitions} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION platform.record_changes({arguments})"
        )
    return statements


def watch_new_columns(table: str, hidden: tuple[str, ...]) -> list[str]:
    """The statements making ``table``'s version trigger watch the columns it has now, for a
    migration that added some."""
    name = table.split(".")[-1]
    return [f"DROP TRIGGER {name}_bump_version ON {table}", bump_version_trigger(table, hidden)]


def bump_version_trigger(table: str, hidden: tuple[str, ...]) -> str:
    """The trigger bumping a row's ``version`` when an update changes the value of any of the
    table's columns but ``hidden`` ones (``{name}_bump_version``). An update that changes
    hidden columns alone (a job's bookkeeping) is no change to anyone: the version stays, and
    the log, which skips rows whose version stayed, records nothing.

    It names the columns the table has now: a migration adding a column to a synced table
    drops and makes this trigger again (tests check that every column is watched).
    """
    name = table.split(".")[-1]
    unwatched = ", ".join(f"'{column}'" for column in (*hidden, "version"))
    return f"""
DO $$
DECLARE
  old_values text;
  new_values text;
BEGIN
  SELECT string_agg('OLD.' || quote_ident(attname), ', ' ORDER BY attnum),
         string_agg('NEW.' || quote_ident(attname), ', ' ORDER BY attnum)
  INTO old_values, new_values
  FROM pg_attribute
  WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped
    AND attname <> ALL (ARRAY[{unwatched}]::name[]);
  EXECUTE format(
    'CREATE TRIGGER {name}_bump_version BEFORE UPDATE ON {table} FOR EACH ROW '
    'WHEN ((%s) IS DISTINCT FROM (%s)) EXECUTE FUNCTION platform.bump_version()',
    old_values, new_values);
END $$;
"""  # noqa: S608 - the migration's own table and column names
