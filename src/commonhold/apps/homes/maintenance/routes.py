"""Thin HTTP endpoints of maintenance: tasks, occurrences, the agenda and calendar feeds."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import Response

from commonhold.apps.homes.maintenance import calendar, service
from commonhold.apps.homes.maintenance.schemas import (
    AgendaEntry,
    CalendarFeedRead,
    InstanceComplete,
    InstanceRead,
    InstanceSkip,
    Occurrence,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from commonhold.apps.homes.params import HomeId, InstanceId, RoomId, TaskId
from commonhold.platform.deps import CurrentUser, Session, SettingsDep
from commonhold.platform.pagination import Cursor, Limit, Page
from commonhold.platform.problems import problem_responses
from commonhold.platform.schemas import FIRST_DAY, LAST_DAY
from commonhold.platform.sync.merge import IfMatch, etag

router = APIRouter(
    prefix="/api/v1",
    tags=["homes"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429),
)
Overdue = Annotated[
    bool, Query(description="Only tasks with an open occurrence due before your today.")
]
Deleted = Annotated[bool, Query(description="List deleted ones instead, to restore one.")]


# Tasks


@router.post(
    "/homes/{home_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    operation_id="tasks_create",
    summary="Create a task, one-time or recurring",
)
async def create_task(
    home_id: HomeId, body: TaskCreate, subject: CurrentUser, session: Session
) -> TaskRead:
    """Its occurrences for the next 30 days are created with it. The free plan allows 25
    tasks per home."""
    return await service.create_task(session, subject, home_id, body)


@router.get("/homes/{home_id}/tasks", operation_id="tasks_list", summary="Tasks of a home")
async def list_tasks(
    home_id: HomeId,
    subject: CurrentUser,
    session: Session,
    room_id: uuid.UUID | None = None,
    assigned_to: uuid.UUID | None = None,
    overdue: Overdue = False,
    deleted: Deleted = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[TaskRead]:
    """By title."""
    return await service.list_tasks(
        session,
        subject,
        home_id,
        room_id=room_id,
        assigned_to=assigned_to,
        overdue=overdue,
        deleted=deleted,
        cursor=cursor,
        limit=limit,
    )


@router.get("/rooms/{room_id}/tasks", operation_id="room_tasks_list", summary="Tasks of a room")
async def list_room_tasks(
    room_id: RoomId,
    subject: CurrentUser,
    session: Session,
    overdue: Overdue = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[TaskRead]:
    """Tasks of the room itself and of the items in it, by title."""
    return await service.list_room_tasks(
        session, subject, room_id, overdue=overdue, cursor=cursor, limit=limit
    )


@router.get("/tasks/{task_id}", operation_id="tasks_get", summary="One task")
async def get_task(
    task_id: TaskId, subject: CurrentUser, session: Session, response: Response
) -> TaskRead:
    task = await service.get_task(session, subject, task_id)
    response.headers["ETag"] = etag(task.version)
    return task


@router.patch(
    "/tasks/{task_id}",
    operation_id="tasks_update",
    summary="Change a task",
    responses=problem_responses(409),
)
async def update_task(
    task_id: TaskId,
    body: TaskUpdate,
    subject: CurrentUser,
    session: Session,
    if_match: IfMatch,
    response: Response,
) -> TaskRead:
    """Changing the due date or the recurrence replaces the open occurrences from today on;
    completed and skipped ones stay in the history."""
    task = await service.update_task(session, subject, task_id, body.based_on(if_match))
    response.headers["ETag"] = etag(task.version)
    return task


@router.delete(
    "/tasks/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="tasks_delete",
    summary="Delete a task (restorable)",
)
async def delete_task(task_id: TaskId, subject: CurrentUser, session: Session) -> None:
    await service.delete_task(session, subject, task_id)


@router.post(
    "/tasks/{task_id}/restore",
    operation_id="tasks_restore",
    summary="Restore a deleted task",
    responses=problem_responses(409),
)
async def restore_task(task_id: TaskId, subject: CurrentUser, session: Session) -> TaskRead:
    """Counts against the plan again."""
    return await service.restore_task(session, subject, task_id)


@router.post("/tasks/{task_id}/pause", operation_id="tasks_pause", summary="Pause a task")
async def pause_task(task_id: TaskId, subject: CurrentUser, session: Session) -> TaskRead:
    """Open occurrences from today on are dropped and no new ones come until it is resumed."""
    return await service.pause_task(session, subject, task_id)


@router.post("/tasks/{task_id}/resume", operation_id="tasks_resume", summary="Resume a task")
async def resume_task(task_id: TaskId, subject: CurrentUser, session: Session) -> TaskRead:
    """Occurrences start again from today."""
    return await service.resume_task(session, subject, task_id)


# Occurrences


@router.get(
    "/tasks/{task_id}/instances",
    operation_id="task_instances_list",
    summary="A task's occurrences and their history",
)
async def list_instances(
    task_id: TaskId,
    subject: CurrentUser,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[InstanceRead]:
    """Latest due date first: who completed or skipped each one, when, with what notes."""
    return await service.list_instances(session, subject, task_id, cursor, limit)


@router.post(
    "/task-instances/{instance_id}/complete",
    operation_id="task_instances_complete",
    summary="Mark an occurrence done",
    responses=problem_responses(409),
)
async def complete_instance(
    instance_id: InstanceId,
    subject: CurrentUser,
    session: Session,
    body: Annotated[InstanceComplete | None, Body()] = None,
) -> InstanceRead:
    """A rolling task's next occurrence is then due one period after `completed_on`."""
    return await service.complete_instance(
        session, subject, instance_id, body or InstanceComplete()
    )


@router.post(
    "/task-instances/{instance_id}/skip",
    operation_id="task_instances_skip",
    summary="Skip an occurrence",
    responses=problem_responses(409),
)
async def skip_instance(
    instance_id: InstanceId,
    subject: CurrentUser,
    session: Session,
    body: Annotated[InstanceSkip | None, Body()] = None,
) -> InstanceRead:
    return await service.skip_instance(session, subject, instance_id, body or InstanceSkip())


@router.get(
    "/homes/{home_id}/occurrences",
    operation_id="occurrences_list",
    summary="Every due date in a date range",
)
async def list_occurrences(
    home_id: HomeId,
    subject: CurrentUser,
    session: Session,
    start: Annotated[date, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, examples=["2026-01-01"])],
    end: Annotated[date, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY, examples=["2026-03-31"])],
) -> list[Occurrence]:
    """Both ends included, at most 366 days apart; by date, then title. Occurrences not
    stored yet come with a null `instance_id`."""
    return await service.occurrences(session, subject, home_id, start, end)


@router.get("/agenda", operation_id="agenda", summary="What is due across all my homes")
async def agenda(
    subject: CurrentUser,
    session: Session,
    days: Annotated[int, Query(ge=1, le=90, description="1 is today only.")] = 7,
) -> list[AgendaEntry]:
    """Open occurrences that are overdue or due in the next `days` days, by due date."""
    return await service.agenda(session, subject, days)


# Calendar


@router.post(
    "/homes/{home_id}/calendar-feed",
    status_code=status.HTTP_201_CREATED,
    operation_id="calendar_feed_create",
    summary="Get a private calendar link",
)
async def create_calendar_feed(
    home_id: HomeId, subject: CurrentUser, session: Session, settings: SettingsDep
) -> CalendarFeedRead:
    """Subscribe to the link in any calendar app. Asking again replaces your link."""
    return await calendar.create_feed(session, settings.public_url, subject, home_id)


@router.delete(
    "/homes/{home_id}/calendar-feed",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="calendar_feed_revoke",
    summary="Revoke my calendar link",
)
async def revoke_calendar_feed(home_id: HomeId, subject: CurrentUser, session: Session) -> None:
    await calendar.revoke_feed(session, subject, home_id)


@router.get(
    "/homes/{home_id}/calendar.ics",
    operation_id="calendar_feed_read",
    summary="A home's maintenance calendar (iCalendar)",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "One all-day event per due date."}
    },
)
async def read_calendar_feed(
    home_id: HomeId,
    session: Session,
    token: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """No login: the token in the link is the key. From 30 days ago to a year ahead; done
    ones are marked ✓, skipped ones cancelled."""
    content = await calendar.feed(session, home_id, token)
    return Response(content, media_type="text/calendar; charset=utf-8")
