"""Rules of lists, cards and checklists: who may change them, and where they go.

Order keys are computed here, never sent by clients, under a lock of what is being ordered
(the board for its lists, the list for its cards): two moves into the same list wait for each
other, so no two rows ever get the same key and none is lost. Moving a card to another list
is one update of the card (list and key), hence one change event.

Whoever a description newly mentions, and whoever is given a card by someone else, hears of
it once the change commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards import activity, mentions
from commonhold.apps.boards.access import (
    BoardAccess,
    BoardPermission,
    access_card,
    access_content,
    effective_board_role,
)
from commonhold.apps.boards.boards import repository as boards_repo
from commonhold.apps.boards.cards import repository as repo
from commonhold.apps.boards.cards.schemas import (
    AssigneeAdd,
    CardCreate,
    CardDetail,
    CardLabelAdd,
    CardMove,
    CardRead,
    CardUpdate,
    ChecklistCreate,
    ChecklistItemCreate,
    ChecklistItemRead,
    ChecklistItemUpdate,
    ChecklistRead,
    ChecklistUpdate,
    ListCreate,
    ListMove,
    ListRead,
    ListUpdate,
    Placement,
)
from commonhold.apps.boards.errors import (
    AssigneeCannotSeeBoard,
    BoardNotFound,
    CardNotFound,
    ChecklistItemNotFound,
    ChecklistNotFound,
    LabelNotInBoard,
    ListNotFound,
    ListNotInBoard,
    RecurrenceNeedsDueTime,
    UnknownNeighbour,
)
from commonhold.apps.boards.events import CardAssigned
from commonhold.apps.boards.models import BoardList, Card, Checklist, ChecklistItem
from commonhold.apps.boards.ordering import fits, key_between, spread_keys
from commonhold.platform.authz import AuthSubject
from commonhold.platform.db.base import utcnow
from commonhold.platform.errors import InvalidRequest
from commonhold.platform.events import publish
from commonhold.platform.identity import repository as identity_repo
from commonhold.platform.pagination import Page, paginate
from commonhold.platform.recurrence import Frequency, Mode, Recurrence, checked
from commonhold.platform.sync.merge import note_overwrites

READ = BoardPermission.READ
WRITE = BoardPermission.WRITE
# Changing any of these starts a recurring card's rule anew from its due time; a new end
# date alone keeps the dates the rule already fell on.
REANCHORING = frozenset(
    {
        "due_at",
        "recurrence",
        "recurrence_interval",
        "recurrence_day",
        "recurrence_mode",
        "recurrence_timezone",
    }
)


# Order keys


async def _bounds(
    session: AsyncSession,
    model: repo.Ordered,
    container_id: uuid.UUID,
    moving_id: uuid.UUID | None,
    placement: Placement,
) -> tuple[str | None, str | None]:
    """The keys the new one must fall between: the two neighbours the placement names."""
    if placement.after_id is not None or placement.before_id is not None:
        anchor = placement.after_id or placement.before_id
        assert anchor is not None
        key = await repo.position_of(session, model, container_id, anchor)
        if key is None or anchor == moving_id:
            raise UnknownNeighbour()
        if placement.after_id is not None:
            return key, await repo.neighbour_key(session, model, container_id, moving_id, above=key)
        return await repo.neighbour_key(session, model, container_id, moving_id, below=key), key
    if placement.index is not None:
        key_there = await repo.key_at_index(
            session, model, container_id, moving_id, placement.index
        )
        if key_there is not None:
            below = await repo.neighbour_key(
                session, model, container_id, moving_id, below=key_there
            )
            return below, key_there
    return await repo.neighbour_key(session, model, container_id, moving_id), None


async def _key_for(
    session: AsyncSession,
    model: repo.Ordered,
    container_id: uuid.UUID,
    moving_id: uuid.UUID | None,
    placement: Placement,
) -> str:
    """A key for the placement. The caller holds the container's lock. Keys grown too long
    are first spread anew over the whole container, in this transaction."""
    key = key_between(*await _bounds(session, model, container_id, moving_id, placement))
    if fits(key):
        return key
    ids = await repo.ids_in_order(session, model, container_id, moving_id)
    await repo.set_keys(session, model, container_id, ids, spread_keys(len(ids)))
    return key_between(*await _bounds(session, model, container_id, moving_id, placement))


def _fields(body: Any) -> dict[str, Any]:
    return dict(body.model_dump(exclude_unset=True, exclude={"base_version"}))


async def _merge(
    session: AsyncSession,
    subject: AuthSubject,
    entity_type: str,
    entity: BoardList | Card,
    body: ListUpdate | CardUpdate,
) -> None:
    """Notice what this update overwrites of others' changes since its base version."""
    await note_overwrites(
        session,
        subject.user_id,
        entity_type,
        entity.space_id,
        entity.id,
        entity.version,
        body.base_version,
        body.model_dump(mode="json", exclude_unset=True, exclude={"base_version"}),
    )


def _refuse_nulls(changes: dict[str, Any], *required: str) -> None:
    for field in required:
        if field in changes and changes[field] is None:
            raise InvalidRequest(f"{field} cannot be null")


# Lists


async def _list(
    session: AsyncSession,
    subject: AuthSubject,
    list_id: uuid.UUID,
    permission: BoardPermission = READ,
) -> tuple[BoardList, BoardAccess]:
    found = await repo.board_list(session, list_id)
    if found is None:
        raise ListNotFound()
    return found, await access_content(session, subject, found.board_id, permission, ListNotFound)


async def create_list(
    session: AsyncSession, subject: AuthSubject, board_id: uuid.UUID, body: ListCreate
) -> ListRead:
    """The new list goes last."""
    access = await access_content(session, subject, board_id, WRITE, BoardNotFound)
    await repo.lock_board(session, board_id)
    position = await _key_for(session, BoardList, board_id, None, Placement())
    created = BoardList(
        space_id=access.board.space_id, board_id=board_id, name=body.name, position=position
    )
    session.add(created)
    await session.flush()
    activity.record(
        session, subject, access.board, "list.created", list_id=created.id, name=body.name
    )
    return ListRead.model_validate(created)


async def list_lists(
    session: AsyncSession,
    subject: AuthSubject,
    board_id: uuid.UUID,
    archived: bool,
    cursor: str | None,
    limit: int,
) -> Page[ListRead]:
    await access_content(session, subject, board_id, READ, BoardNotFound)
    return await paginate(
        session,
        repo.lists_of_board(board_id, archived),
        (BoardList.position, BoardList.id),
        cursor,
        limit,
        lambda row: ListRead.model_validate(row[0]),
    )


async def get_list(session: AsyncSession, subject: AuthSubject, list_id: uuid.UUID) -> ListRead:
    found, _ = await _list(session, subject, list_id)
    return ListRead.model_validate(found)


async def update_list(
    session: AsyncSession, subject: AuthSubject, list_id: uuid.UUID, body: ListUpdate
) -> ListRead:
    found, access = await _list(session, subject, list_id, WRITE)
    changes = _fields(body)
    _refuse_nulls(changes, "name", "archived")
    await _merge(session, subject, "boards.list", found, body)
    for field, value in changes.items():
        setattr(found, field, value)
    await session.flush()
    activity.record(session, subject, access.board, "list.updated", list_id=found.id, **changes)
    return ListRead.model_validate(found)


async def delete_list(session: AsyncSession, subject: AuthSubject, list_id: uuid.UUID) -> None:
    """For good, with its cards; archive a list to keep it."""
    found, access = await _list(session, subject, list_id, WRITE)
    await session.delete(found)
    await session.flush()
    activity.record(
        session, subject, access.board, "list.deleted", list_id=found.id, name=found.name
    )


async def move_list(
    session: AsyncSession, subject: AuthSubject, list_id: uuid.UUID, body: ListMove
) -> ListRead:
    found, access = await _list(session, subject, list_id, WRITE)
    await repo.lock_board(session, found.board_id)
    await session.refresh(found)
    found.position = await _key_for(session, BoardList, found.board_id, found.id, body)
    await session.flush()
    activity.record(session, subject, access.board, "list.moved", list_id=found.id)
    return ListRead.model_validate(found)


# Recurring cards


def _rule(card: Card) -> Recurrence:
    assert card.recurrence_starts_on is not None
    return Recurrence(
        frequency=Frequency(card.recurrence),
        starts_on=card.recurrence_starts_on,
        interval=card.recurrence_interval,
        day=card.recurrence_day,
        ends_on=card.recurrence_end_date,
        mode=Mode(card.recurrence_mode),
    )


async def _anchor(
    session: AsyncSession, subject: AuthSubject, card: Card, timezone: str | None
) -> None:
    """Start the card's rule from its due time, as a date in ``timezone`` (kept as it was,
    or the caller's, when unset); a card that does not recur keeps no anchor."""
    if card.recurrence == Frequency.NONE:
        card.recurrence_starts_on = card.recurrence_timezone = None
        return
    if card.due_at is None:
        raise RecurrenceNeedsDueTime()
    if timezone is None and card.recurrence_timezone is None:
        user = await identity_repo.user_by_id(session, subject.user_id)
        timezone = user.timezone if user else "UTC"
    card.recurrence_timezone = timezone or card.recurrence_timezone
    assert card.recurrence_timezone is not None
    card.recurrence_starts_on = card.due_at.astimezone(ZoneInfo(card.recurrence_timezone)).date()
    checked(_rule(card))


def next_due(card: Card, now: datetime) -> datetime | None:
    """When a recurring card completed at ``now`` is due again, at the same local time; None
    when it does not recur or its rule has no time left. A fixed rule skips the times that
    went by while the card was late: the next is the first still to come."""
    if card.recurrence == Frequency.NONE or card.due_at is None:
        return None
    rule = _rule(card)
    due = card.due_at.astimezone(ZoneInfo(card.recurrence_timezone or "UTC"))
    done_on = now.astimezone(due.tzinfo).date()
    # The first date after the due date and from today on (a rolling rule's: after today).
    following = rule.next_after_completion(max(due.date(), done_on - timedelta(days=1)), done_on)
    if following is not None and datetime.combine(following, due.timetz()) <= now:
        following = rule.next_after(following)  # today's time has gone by too
    return None if following is None else datetime.combine(following, due.timetz()).astimezone(UTC)


# Cards


async def create_card(
    session: AsyncSession, subject: AuthSubject, list_id: uuid.UUID, body: CardCreate
) -> CardRead:
    """The new card goes last in the list."""
    found, access = await _list(session, subject, list_id, WRITE)
    mentioned = await mentions.new_mentions(session, subject, access.board, body.description)
    await repo.lock_list(session, list_id)
    position = await _key_for(session, Card, list_id, None, Placement())
    created = Card(
        space_id=found.space_id,
        board_id=found.board_id,
        list_id=list_id,
        position=position,
        created_by=subject.user_id,
        label_ids=[],
        assignee_ids=[],
        **body.model_dump(exclude={"recurrence_timezone"}),
    )
    await _anchor(session, subject, created, body.recurrence_timezone)
    session.add(created)
    await session.flush()
    activity.record(
        session,
        subject,
        access.board,
        "card.created",
        created.id,
        list_id=list_id,
        title=body.title,
    )
    await mentions.announce(session, subject, created, mentioned)
    return CardRead.model_validate(created)


async def list_cards(
    session: AsyncSession,
    subject: AuthSubject,
    list_id: uuid.UUID,
    archived: bool,
    cursor: str | None,
    limit: int,
) -> Page[CardRead]:
    await _list(session, subject, list_id)
    return await paginate(
        session,
        repo.cards_of_list(list_id, archived),
        (Card.position, Card.id),
        cursor,
        limit,
        lambda row: CardRead.model_validate(row[0]),
    )


async def _detail(session: AsyncSession, card: Card) -> CardDetail:
    checklists = [
        _checklist_read(checklist, items)
        for checklist, items in await repo.checklists_of_card(session, card.id)
    ]
    return CardDetail(**CardRead.model_validate(card).model_dump(), checklists=checklists)


async def get_card(session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID) -> CardDetail:
    found, _ = await access_card(session, subject, card_id)
    return await _detail(session, found)


async def update_card(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, body: CardUpdate
) -> CardRead:
    found, access = await access_card(session, subject, card_id, WRITE)
    changes = _fields(body)
    _refuse_nulls(
        changes, "title", "archived", "recurrence", "recurrence_interval", "recurrence_mode"
    )
    mentioned = []
    if "description" in changes:
        mentioned = await mentions.new_mentions(
            session, subject, access.board, changes["description"], previous=found.description
        )
    await _merge(session, subject, "boards.card", found, body)
    timezone = changes.pop("recurrence_timezone", None)
    for field, value in changes.items():
        setattr(found, field, value)
    if REANCHORING.intersection(changes) or timezone is not None:
        await _anchor(session, subject, found, timezone)
    elif "recurrence_end_date" in changes and found.recurrence != Frequency.NONE:
        checked(_rule(found))
    await session.flush()
    activity.record(session, subject, access.board, "card.updated", found.id, **changes)
    await mentions.announce(session, subject, found, mentioned)
    return CardRead.model_validate(found)


async def delete_card(session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID) -> None:
    """For good, with its checklists and comments; archive a card to keep it."""
    found, access = await access_card(session, subject, card_id, WRITE)
    await session.delete(found)
    await session.flush()
    activity.record(session, subject, access.board, "card.deleted", found.id, title=found.title)


async def move_card(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, body: CardMove
) -> CardRead:
    """Into a list of the same board (``list_not_in_board`` otherwise, nothing changed), at
    the placement asked for; one update of the card."""
    found, access = await access_card(session, subject, card_id, WRITE)
    target_id = body.list_id or found.list_id
    # The target list's lock first, then the card's: every move takes them in this order.
    target = await repo.lock_list(session, target_id)
    if target is None or target.board_id != found.board_id:
        raise ListNotInBoard()
    locked = await repo.card(session, card_id, lock=True)
    if locked is None:
        raise CardNotFound()
    from_list = locked.list_id
    position = await _key_for(session, Card, target_id, locked.id, body)
    locked.list_id, locked.position = target_id, position
    await session.flush()
    activity.record(
        session,
        subject,
        access.board,
        "card.moved",
        locked.id,
        from_list_id=from_list,
        to_list_id=target_id,
        position=position,
    )
    return CardRead.model_validate(locked)


async def complete_card(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID
) -> CardRead:
    """Done. A recurring card with dates left comes back instead: due at its rule's next date,
    its checklists to do again. Completing a completed card changes nothing."""
    found, access = await access_card(session, subject, card_id, WRITE, lock=True)
    if found.completed_at is not None:
        return CardRead.model_validate(found)
    now = utcnow()
    following = next_due(found, now)
    if following is None:
        found.completed_at = now
        await session.flush()
        activity.record(session, subject, access.board, "card.completed", found.id)
        return CardRead.model_validate(found)
    previous, found.due_at = found.due_at, following
    await repo.reset_checklists(session, found.id)
    await session.flush()
    activity.record(
        session,
        subject,
        access.board,
        "card.recurred",
        found.id,
        completed_due_at=previous,
        due_at=following,
    )
    return CardRead.model_validate(found)


async def reopen_card(session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID) -> CardRead:
    """Open again; reopening an open card changes nothing."""
    found, access = await access_card(session, subject, card_id, WRITE, lock=True)
    if found.completed_at is not None:
        found.completed_at = None
        await session.flush()
        activity.record(session, subject, access.board, "card.reopened", found.id)
    return CardRead.model_validate(found)


async def add_assignee(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, body: AssigneeAdd
) -> CardRead:
    """Only someone who can see the board may be assigned (``assignee_cannot_see_board``);
    they hear of it once this commits, unless they assigned themselves."""
    found, access = await access_card(session, subject, card_id, WRITE, lock=True)
    seen = await boards_repo.board_with_roles(session, found.board_id, body.user_id)
    if seen is None or effective_board_role(access.board.visibility, *seen.roles) is None:
        raise AssigneeCannotSeeBoard()
    if body.user_id not in found.assignee_ids:
        found.assignee_ids = [*found.assignee_ids, body.user_id]
        await session.flush()
        activity.record(
            session, subject, access.board, "card.assigned", found.id, user_id=body.user_id
        )
        if body.user_id != subject.user_id:
            await publish(
                session,
                CardAssigned(
                    space_id=found.space_id,
                    actor_id=subject.user_id,
                    card_id=found.id,
                    board_id=found.board_id,
                    assignee_id=body.user_id,
                    version=found.version,
                ),
            )
    return CardRead.model_validate(found)


async def remove_assignee(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    found, access = await access_card(session, subject, card_id, WRITE, lock=True)
    if user_id in found.assignee_ids:
        found.assignee_ids = [u for u in found.assignee_ids if u != user_id]
        await session.flush()
        activity.record(
            session, subject, access.board, "card.unassigned", found.id, user_id=user_id
        )


async def add_label(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, body: CardLabelAdd
) -> CardRead:
    found, access = await access_card(session, subject, card_id, WRITE, lock=True)
    label = await boards_repo.label(session, body.label_id)
    if label is None or label.board_id != found.board_id:
        raise LabelNotInBoard()
    if label.id not in found.label_ids:
        found.label_ids = [*found.label_ids, label.id]
        await session.flush()
        activity.record(
            session, subject, access.board, "card.labelled", found.id, label_id=label.id
        )
    return CardRead.model_validate(found)


async def remove_label(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, label_id: uuid.UUID
) -> None:
    found, access = await access_card(session, subject, card_id, WRITE, lock=True)
    if label_id in found.label_ids:
        found.label_ids = [u for u in found.label_ids if u != label_id]
        await session.flush()
        activity.record(
            session, subject, access.board, "card.unlabelled", found.id, label_id=label_id
        )


# Checklists


def _checklist_read(checklist: Checklist, items: list[ChecklistItem]) -> ChecklistRead:
    return ChecklistRead(
        id=checklist.id,
        version=checklist.version,
        card_id=checklist.card_id,
        title=checklist.title,
        items=[ChecklistItemRead.model_validate(item) for item in items],
        created_at=checklist.created_at,
    )


async def _checklist(
    session: AsyncSession,
    subject: AuthSubject,
    checklist_id: uuid.UUID,
) -> tuple[Checklist, BoardAccess]:
    found = await repo.checklist(session, checklist_id)
    if found is None:
        raise ChecklistNotFound()
    access = await access_content(session, subject, found.board_id, WRITE, ChecklistNotFound)
    return found, access


async def _checklist_item(
    session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID
) -> tuple[ChecklistItem, BoardAccess]:
    found = await repo.checklist_item(session, item_id)
    if found is None:
        raise ChecklistItemNotFound()
    access = await access_content(session, subject, found.board_id, WRITE, ChecklistItemNotFound)
    return found, access


async def create_checklist(
    session: AsyncSession, subject: AuthSubject, card_id: uuid.UUID, body: ChecklistCreate
) -> ChecklistRead:
    card, access = await access_card(session, subject, card_id, WRITE)
    created = Checklist(
        space_id=card.space_id, board_id=card.board_id, card_id=card.id, title=body.title
    )
    session.add(created)
    await session.flush()
    activity.record(session, subject, access.board, "checklist.created", card.id, title=body.title)
    return _checklist_read(created, [])


async def update_checklist(
    session: AsyncSession, subject: AuthSubject, checklist_id: uuid.UUID, body: ChecklistUpdate
) -> ChecklistRead:
    found, access = await _checklist(session, subject, checklist_id)
    found.title = body.title
    await session.flush()
    activity.record(
        session, subject, access.board, "checklist.updated", found.card_id, title=body.title
    )
    return _checklist_read(found, list(await repo.items_of_checklist(session, found.id)))


async def delete_checklist(
    session: AsyncSession, subject: AuthSubject, checklist_id: uuid.UUID
) -> None:
    found, access = await _checklist(session, subject, checklist_id)
    await session.delete(found)
    await session.flush()
    activity.record(
        session, subject, access.board, "checklist.deleted", found.card_id, title=found.title
    )


async def add_checklist_item(
    session: AsyncSession, subject: AuthSubject, checklist_id: uuid.UUID, body: ChecklistItemCreate
) -> ChecklistItemRead:
    checklist, access = await _checklist(session, subject, checklist_id)
    created = ChecklistItem(
        space_id=checklist.space_id,
        board_id=checklist.board_id,
        checklist_id=checklist.id,
        text=body.text,
    )
    session.add(created)
    await session.flush()
    activity.record(
        session, subject, access.board, "checklist_item.created", checklist.card_id, text=body.text
    )
    return ChecklistItemRead.model_validate(created)


async def update_checklist_item(
    session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID, body: ChecklistItemUpdate
) -> ChecklistItemRead:
    found, access = await _checklist_item(session, subject, item_id)
    changes = _fields(body)
    _refuse_nulls(changes, "text", "done")
    for field, value in changes.items():
        setattr(found, field, value)
    await session.flush()
    checklist = await repo.checklist(session, found.checklist_id)
    activity.record(
        session,
        subject,
        access.board,
        "checklist_item.updated",
        checklist.card_id if checklist else None,
        checklist_item_id=found.id,
        **changes,
    )
    return ChecklistItemRead.model_validate(found)


async def delete_checklist_item(
    session: AsyncSession, subject: AuthSubject, item_id: uuid.UUID
) -> None:
    found, access = await _checklist_item(session, subject, item_id)
    checklist = await repo.checklist(session, found.checklist_id)
    await session.delete(found)
    await session.flush()
    activity.record(
        session,
        subject,
        access.board,
        "checklist_item.deleted",
        checklist.card_id if checklist else None,
        text=found.text,
    )
