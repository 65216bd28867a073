"""Items as CSV: export a home's inventory, import one with a report of every broken row.

An import is all or nothing: if any row is wrong, nothing is written and the answer lists
each wrong row with its problems.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.homes.access import access_home
from commonhold.apps.homes.inventory import repository as repo
from commonhold.apps.homes.inventory.schemas import ImportReport, ItemCreate
from commonhold.apps.homes.inventory.service import ensure_room_for_items, new_item
from commonhold.apps.homes.models import Item, Room
from commonhold.platform import audit
from commonhold.platform.authz import AuthSubject, Permission
from commonhold.platform.errors import AppError, PayloadTooLarge
from commonhold.platform.schemas import Name

ITEM_COLUMNS = (
    "name",
    "description",
    "category",
    "manufacturer",
    "model_number",
    "serial_number",
    "purchase_date",
    "purchase_price",
    "warranty_until",
    "condition",
)
COLUMNS = ("room", *ITEM_COLUMNS, "metadata")
MAX_ROWS = 5_000
# Room for MAX_ROWS ordinary rows, whatever request size the installation allows.
MAX_CHARACTERS = 2 * 1024 * 1024
# Spreadsheets run cells starting with these as formulas; exported text gets a quote first.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A room the import creates is named as one created through the API.
_ROOM_NAME = TypeAdapter(Name)


class CsvInvalid(AppError):
    status = 422
    code = "csv_invalid"
    title = "The CSV has rows that cannot be imported; nothing was imported"


async def export_items(session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID) -> str:
    await access_home(session, subject, home_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for room, item in await repo.items_with_rooms(session, home_id):
        writer.writerow(_export_row(room, item))
    return out.getvalue()


def _export_row(room: Room, item: Item) -> list[str]:
    values = [room.name, *(getattr(item, column) for column in ITEM_COLUMNS)]
    cells = ["" if value is None else _safe_cell(str(value)) for value in values]
    return [*cells, json.dumps(item.metadata_) if item.metadata_ else ""]


def _safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


async def import_items(
    session: AsyncSession, subject: AuthSubject, home_id: uuid.UUID, content: str
) -> ImportReport:
    await access_home(session, subject, home_id, Permission.CONTENT_WRITE)
    parsed = _parse(content)
    await ensure_room_for_items(session, home_id, len(parsed))
    rooms = await repo.rooms_by_name(session, home_id)
    created_rooms: list[str] = []
    next_order = await repo.next_sort_order(session, home_id)
    for room_name, body in parsed:
        room = rooms.get(room_name.casefold())
        if room is None:
            room = Room(space_id=home_id, name=room_name, sort_order=next_order)
            next_order += 10
            session.add(room)
            await session.flush()
            rooms[room_name.casefold()] = room
            created_rooms.append(room_name)
        session.add(new_item(room, body))
    await session.flush()
    await audit.record(
        session,
        "items.imported",
        actor_id=subject.user_id,
        space_id=home_id,
        target_type="home",
        target_id=home_id,
        details={"items": len(parsed), "rooms_created": len(created_rooms)},
    )
    return ImportReport(created=len(parsed), rooms_created=created_rooms)


def _parse(content: str) -> list[tuple[str, ItemCreate]]:
    if len(content) > MAX_CHARACTERS:
        raise PayloadTooLarge(f"A CSV import may be at most {MAX_CHARACTERS} characters")
    reader = csv.DictReader(io.StringIO(content))
    header = reader.fieldnames or []
    unknown = sorted(set(header) - set(COLUMNS))
    missing = [column for column in ("room", "name") if column not in header]
    if unknown or missing:
        raise CsvInvalid(
            f"Columns must be among {', '.join(COLUMNS)}; "
            f"missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'}"
        )
    parsed: list[tuple[str, ItemCreate]] = []
    problems: list[dict[str, Any]] = []
    total = 0
    for line, row in enumerate(reader, start=2):
        total += 1
        if total > MAX_ROWS:
            raise CsvInvalid(f"At most {MAX_ROWS} rows can be imported at once")
        errors = _row_errors(row)
        if errors:
            problems.append({"row": line, "errors": errors})
            continue
        try:
            parsed.append((row["room"].strip(), _item(row)))
        except ValidationError as exc:
            problems.append({"row": line, "errors": _field_errors(exc)})
    if problems:
        raise CsvInvalid(
            f"{len(problems)} of {total} rows have problems",
            extra={"rows": problems},
        )
    if not parsed:
        raise CsvInvalid("The CSV has no rows")
    return parsed


def _row_errors(row: dict[str | Any, Any]) -> list[dict[str, str]]:
    errors = []
    if None in row:
        errors.append({"field": "row", "message": "has more cells than the header"})
    room = (row.get("room") or "").strip()
    if not room:
        errors.append({"field": "room", "message": "is required"})
    elif problem := _room_name_problem(room):
        errors.append({"field": "room", "message": problem})
    return errors


def _room_name_problem(name: str) -> str | None:
    try:
        _ROOM_NAME.validate_python(name)
    except ValidationError as exc:
        return exc.errors()[0]["msg"]
    return None


def _item(row: dict[str, str]) -> ItemCreate:
    fields: dict[str, Any] = {
        column: row[column] for column in ITEM_COLUMNS if row.get(column) not in (None, "")
    }
    metadata = row.get("metadata") or ""
    if metadata:
        try:
            fields["metadata"] = json.loads(metadata)
        except json.JSONDecodeError:
            fields["metadata"] = metadata  # refused below as not an object
    return ItemCreate.model_validate(fields)


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(part) for part in error["loc"]) or "row", "message": error["msg"]}
        for error in exc.errors()
    ]
