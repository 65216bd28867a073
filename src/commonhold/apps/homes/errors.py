"""Problems the homes app answers with; the ``code`` of each is part of the API."""

from __future__ import annotations

from commonhold.platform.errors import Conflict, InvalidRequest, NotFound


class HomeNotFound(NotFound):
    code = "home_not_found"
    title = "Home not found"


class RoomNotFound(NotFound):
    code = "room_not_found"
    title = "Room not found"


class ItemNotFound(NotFound):
    code = "item_not_found"
    title = "Item not found"


class TaskNotFound(NotFound):
    code = "task_not_found"
    title = "Task not found"


class InstanceNotFound(NotFound):
    code = "task_instance_not_found"
    title = "Task occurrence not found"


class UnknownRoom(InvalidRequest):
    code = "unknown_room"
    title = "The room is not one of this home's rooms"


class UnknownItem(InvalidRequest):
    code = "unknown_item"
    title = "The item is not one of this home's items"


class AssigneeNotMember(InvalidRequest):
    code = "assignee_not_member"
    title = "Tasks can be assigned only to members of the home"


class InvalidDateRange(InvalidRequest):
    code = "invalid_date_range"
    title = "The date range is not valid"


class NotDeleted(Conflict):
    code = "not_deleted"
    title = "Only deleted things can be restored"


class InstanceAlreadyClosed(Conflict):
    code = "task_instance_closed"
    title = "This occurrence is already completed or skipped"


class CompletionInFuture(InvalidRequest):
    code = "completed_on_in_future"
    title = "An occurrence cannot be completed on a future date"


class CalendarNotFound(NotFound):
    code = "calendar_not_found"
    title = "Calendar feed not found"


class AttachmentIsALink(Conflict):
    code = "attachment_is_a_link"
    title = "This attachment is a link: there is no upload to confirm"
