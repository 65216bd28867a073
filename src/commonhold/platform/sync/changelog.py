"""The change log's database side: triggers that record every change of a synced table.

Triggers rather than application hooks, so nothing escapes the log: bulk inserts (the
occurrence generator), soft deletes, restores and plain deletes are all recorded, in the
transaction that made them. A migration makes a table synced with ``track_table``; the table
needs ``id``, ``space_id`` and a ``version`` column.

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

_LOG_INSERTED = """
    SELECT n.space_id, actor, entity, n.id, 'created', to_jsonb(n) - hidden, n.version
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
           n.version
    FROM new_rows n
    -- Rows whose version stayed had only hidden columns set (bump_version_trigger).
    JOIN old_rows o ON o.id = n.id AND o.version <> n.version
    -- OFFSET 0 keeps each row's JSON computed once, not again for every field compared.
    CROSS JOIN LATERAL (
      SELECT to_jsonb(n) - hidden AS new_row, to_jsonb(o) - hidden AS old_row OFFSET 0
    ) j
    WHERE j.new_row IS DISTINCT FROM j.old_row"""

_LOG_DELETED = """
    SELECT o.space_id, actor, entity, o.id, 'removed', '{}'::jsonb, o.version
    FROM old_rows o"""


def record_changes_sql(*, announce: bool) -> str:
    """``platform.record_changes()``, the trigger function writing the log.

    With ``announce``, it also notifies channel ``commonhold_changes`` with the transaction
    and each space it logged changes of (``{"txid": "...", "space_id": "..."}``). PostgreSQL
    delivers notifications only once the transaction commits, in commit order, and folds
    identical ones: one per (transaction, space).
    """

    def log(rows: str) -> str:
        insert = f"INSERT INTO platform.changes {_LOGGED_COLUMNS}{rows}"
        if not announce:
            return f"{insert};"
        aggregate = "SELECT array_agg(DISTINCT space_id) INTO spaces FROM logged;"
        return f"WITH logged AS ({insert}\n    RETURNING space_id)\n    {aggregate}"

    notify = (
        """
  PERFORM pg_notify('commonhold_changes', json_build_object(
    'txid', pg_current_xact_id()::text, 'space_id', space_id)::text)
  FROM unnest(spaces) space_id;"""
        if announce
        else ""
    )
    return f"""
-- Statement-level, over the transition tables: one INSERT into the log per statement.
-- TG_ARGV[0] is the entity type; further arguments name columns kept out of the log.
-- SECURITY DEFINER: the application role may read the log but never write it directly.
-- enable_nestloop off: transition tables carry no statistics, and a nested loop joining old
-- and new rows of a large update costs seconds where a hash join costs milliseconds.
CREATE OR REPLACE FUNCTION platform.record_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, platform
SET enable_nestloop = off AS $$
DECLARE
  entity text := TG_ARGV[0];
  hidden text[] := TG_ARGV[1:] || ARRAY['version'];
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


def track_table(table: str, entity_type: str, hidden: tuple[str, ...] = ()) -> list[str]:
    """Record every change of ``table`` (``schema.name``) as ``entity_type`` changes, and bump
    its rows' ``version`` on each update. ``hidden`` columns stay out of the log."""
    name = table.split(".")[-1]
    arguments = ", ".join(f"'{value}'" for value in (entity_type, *hidden))
    statements = [bump_version_trigger(table, hidden)]
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
