"""Thin HTTP endpoints of lists, cards and checklists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from commonhold.apps.boards.cards import service
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
)
from commonhold.apps.boards.params import (
    BoardId,
    CardId,
    ChecklistId,
    ChecklistItemId,
    LabelId,
    ListId,
    MemberUserId,
)
from commonhold.platform.deps import CurrentUser, Session
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses
from commonhold.platform.sync.merge import IfMatch, etag

router = APIRouter(
    prefix="/api/v1",
    tags=["boards"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 429),
)
Archived = Annotated[bool, Query(description="List archived ones instead.")]


# Lists


@router.post(
    "/boards/{board_id}/lists",
    status_code=status.HTTP_201_CREATED,
    operation_id="lists_create",
    summary="Add a list to a board (last)",
)
async def create_list(
    board_id: BoardId, body: ListCreate, subject: CurrentUser, session: Session
) -> ListRead:
    return await service.create_list(session, subject, board_id, body)


@router.get("/boards/{board_id}/lists", operation_id="lists_list", summary="A board's lists")
async def list_lists(
    board_id: BoardId,
    subject: CurrentUser,
    session: Session,
    archived: Archived = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ListRead]:
    """In their order."""
    return await service.list_lists(session, subject, board_id, archived, cursor, limit)


@router.get("/lists/{list_id}", operation_id="lists_get", summary="One list")
async def get_list(
    list_id: ListId, subject: CurrentUser, session: Session, response: Response
) -> ListRead:
    found = await service.get_list(session, subject, list_id)
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch("/lists/{list_id}", operation_id="lists_update", summary="Rename or archive a list")
async def update_list(
    list_id: ListId,
    body: ListUpdate,
    subject: CurrentUser,
    session: Session,
    if_match: IfMatch,
    response: Response,
) -> ListRead:
    found = await service.update_list(session, subject, list_id, body.based_on(if_match))
    response.headers["ETag"] = etag(found.version)
    return found


@router.delete(
    "/lists/{list_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="lists_delete",
    summary="Delete a list with its cards",
)
async def delete_list(list_id: ListId, subject: CurrentUser, session: Session) -> None:
    await service.delete_list(session, subject, list_id)


@router.post("/lists/{list_id}/move", operation_id="lists_move", summary="Move a list")
async def move_list(
    list_id: ListId, body: ListMove, subject: CurrentUser, session: Session
) -> ListRead:
    """Right before or after another list of the board, or at an index; the server gives it
    a key between its new neighbours, whatever else moves at the same time."""
    return await service.move_list(session, subject, list_id, body)


# Cards


@router.post(
    "/lists/{list_id}/cards",
    status_code=status.HTTP_201_CREATED,
    operation_id="cards_create",
    summary="Add a card to a list (last)",
)
async def create_card(
    list_id: ListId, body: CardCreate, subject: CurrentUser, session: Session
) -> CardRead:
    """A recurring card needs `due_at` (`422 recurrence_needs_due_time`) and a rule with a
    date left (`422 invalid_recurrence`)."""
    return await service.create_card(session, subject, list_id, body)


@router.get("/lists/{list_id}/cards", operation_id="cards_list", summary="A list's cards")
async def list_cards(
    list_id: ListId,
    subject: CurrentUser,
    session: Session,
    archived: Archived = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CardRead]:
    """In their order."""
    return await service.list_cards(session, subject, list_id, archived, cursor, limit)


@router.get("/cards/{card_id}", operation_id="cards_get", summary="One card with its checklists")
async def get_card(
    card_id: CardId, subject: CurrentUser, session: Session, response: Response
) -> CardDetail:
    card = await service.get_card(session, subject, card_id)
    response.headers["ETag"] = etag(card.version)
    return card


@router.patch("/cards/{card_id}", operation_id="cards_update", summary="Change or archive a card")
async def update_card(
    card_id: CardId,
    body: CardUpdate,
    subject: CurrentUser,
    session: Session,
    if_match: IfMatch,
    response: Response,
) -> CardRead:
    """Only the fields sent change. A new due time or rule starts the rule anew from the due
    time; taking the due time off a recurring card answers `422 recurrence_needs_due_time`
    unless `recurrence` becomes `none` too."""
    card = await service.update_card(session, subject, card_id, body.based_on(if_match))
    response.headers["ETag"] = etag(card.version)
    return card


@router.delete(
    "/cards/{card_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="cards_delete",
    summary="Delete a card with its checklists and comments",
)
async def delete_card(card_id: CardId, subject: CurrentUser, session: Session) -> None:
    await service.delete_card(session, subject, card_id)


@router.post("/cards/{card_id}/move", operation_id="cards_move", summary="Move a card")
async def move_card(
    card_id: CardId, body: CardMove, subject: CurrentUser, session: Session
) -> CardRead:
    """To another list of the same board (`list_id`) and/or another place: right before or
    after a card of that list, or at an index. One change of the card. A list of another
    board answers `422 list_not_in_board` and nothing changes."""
    return await service.move_card(session, subject, card_id, body)


@router.post("/cards/{card_id}/complete", operation_id="cards_complete", summary="Complete a card")
async def complete_card(card_id: CardId, subject: CurrentUser, session: Session) -> CardRead:
    """Sets `completed_at`. A recurring card whose rule has dates left is not closed: it is
    due again at the rule's next date, at the same local time in its `recurrence_timezone`,
    and its checklists are to do again. A fixed rule's next date is the first after the due
    date and from today on (dates missed while late are skipped); a rolling rule's is one
    period after today. Completing a completed card changes nothing."""
    return await service.complete_card(session, subject, card_id)


@router.post("/cards/{card_id}/reopen", operation_id="cards_reopen", summary="Reopen a card")
async def reopen_card(card_id: CardId, subject: CurrentUser, session: Session) -> CardRead:
    """Clears `completed_at`; a recurring card keeps its due date."""
    return await service.reopen_card(session, subject, card_id)


@router.post(
    "/cards/{card_id}/assignees", operation_id="cards_assign", summary="Assign someone to a card"
)
async def add_assignee(
    card_id: CardId, body: AssigneeAdd, subject: CurrentUser, session: Session
) -> CardRead:
    """Only someone who can see the board (`422 assignee_cannot_see_board`)."""
    return await service.add_assignee(session, subject, card_id, body)


@router.delete(
    "/cards/{card_id}/assignees/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="cards_unassign",
    summary="Take someone off a card",
)
async def remove_assignee(
    card_id: CardId, user_id: MemberUserId, subject: CurrentUser, session: Session
) -> None:
    await service.remove_assignee(session, subject, card_id, user_id)


@router.post("/cards/{card_id}/labels", operation_id="cards_label", summary="Label a card")
async def add_label(
    card_id: CardId, body: CardLabelAdd, subject: CurrentUser, session: Session
) -> CardRead:
    """With one of the board's labels (`422 label_not_in_board`)."""
    return await service.add_label(session, subject, card_id, body)


@router.delete(
    "/cards/{card_id}/labels/{label_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="cards_unlabel",
    summary="Take a label off a card",
)
async def remove_label(
    card_id: CardId, label_id: LabelId, subject: CurrentUser, session: Session
) -> None:
    await service.remove_label(session, subject, card_id, label_id)


# Checklists


@router.post(
    "/cards/{card_id}/checklists",
    status_code=status.HTTP_201_CREATED,
    operation_id="checklists_create",
    summary="Add a checklist to a card",
)
async def create_checklist(
    card_id: CardId, body: ChecklistCreate, subject: CurrentUser, session: Session
) -> ChecklistRead:
    return await service.create_checklist(session, subject, card_id, body)


@router.patch(
    "/checklists/{checklist_id}", operation_id="checklists_update", summary="Rename a checklist"
)
async def update_checklist(
    checklist_id: ChecklistId, body: ChecklistUpdate, subject: CurrentUser, session: Session
) -> ChecklistRead:
    return await service.update_checklist(session, subject, checklist_id, body)


@router.delete(
    "/checklists/{checklist_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="checklists_delete",
    summary="Delete a checklist with its items",
)
async def delete_checklist(
    checklist_id: ChecklistId, subject: CurrentUser, session: Session
) -> None:
    await service.delete_checklist(session, subject, checklist_id)


@router.post(
    "/checklists/{checklist_id}/items",
    status_code=status.HTTP_201_CREATED,
    operation_id="checklist_items_create",
    summary="Add an item to a checklist",
)
async def add_checklist_item(
    checklist_id: ChecklistId, body: ChecklistItemCreate, subject: CurrentUser, session: Session
) -> ChecklistItemRead:
    return await service.add_checklist_item(session, subject, checklist_id, body)


@router.patch(
    "/checklist-items/{checklist_item_id}",
    operation_id="checklist_items_update",
    summary="Change or tick a checklist item",
)
async def update_checklist_item(
    checklist_item_id: ChecklistItemId,
    body: ChecklistItemUpdate,
    subject: CurrentUser,
    session: Session,
) -> ChecklistItemRead:
    return await service.update_checklist_item(session, subject, checklist_item_id, body)


@router.delete(
    "/checklist-items/{checklist_item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="checklist_items_delete",
    summary="Delete a checklist item",
)
async def delete_checklist_item(
    checklist_item_id: ChecklistItemId, subject: CurrentUser, session: Session
) -> None:
    await service.delete_checklist_item(session, subject, checklist_item_id)
