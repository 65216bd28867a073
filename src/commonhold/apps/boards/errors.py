"""Problems the boards app answers with; the ``code`` of each is part of the API."""

from __future__ import annotations

from commonhold.platform.errors import AppError, Conflict, InvalidRequest, NotFound


class WorkspaceNotFound(NotFound):
    code = "workspace_not_found"
    title = "Workspace not found"


class BoardNotFound(NotFound):
    code = "board_not_found"
    title = "Board not found"


class ListNotFound(NotFound):
    code = "list_not_found"
    title = "List not found"


class CardNotFound(NotFound):
    code = "card_not_found"
    title = "Card not found"


class LabelNotFound(NotFound):
    code = "label_not_found"
    title = "Label not found"


class ChecklistNotFound(NotFound):
    code = "checklist_not_found"
    title = "Checklist not found"


class ChecklistItemNotFound(NotFound):
    code = "checklist_item_not_found"
    title = "Checklist item not found"


class CommentNotFound(NotFound):
    code = "comment_not_found"
    title = "Comment not found"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    title = "Attachment not found"


class BoardMemberNotFound(NotFound):
    code = "board_member_not_found"
    title = "This person is not a member of the board"


class BoardRoleNotAllowed(AppError):
    status = 403
    code = "board_role_not_allowed"
    title = "Your role on this board does not allow this"


class NotCommentAuthor(AppError):
    status = 403
    code = "not_comment_author"
    title = "Only its author may change or delete a comment"


class NotAttachmentUploader(AppError):
    status = 403
    code = "not_attachment_uploader"
    title = "Only whoever attached a file, or a board admin, may remove it"


class ListNotInBoard(InvalidRequest):
    code = "list_not_in_board"
    title = "The list is not one of this board's lists"


class UnknownNeighbour(InvalidRequest):
    code = "unknown_neighbour"
    title = "The neighbour named is not in the target list"


class LabelNotInBoard(InvalidRequest):
    code = "label_not_in_board"
    title = "The label is not one of this board's labels"


class NotWorkspaceMember(InvalidRequest):
    code = "not_workspace_member"
    title = "Only members of the workspace can join its boards"


class AssigneeCannotSeeBoard(InvalidRequest):
    code = "assignee_cannot_see_board"
    title = "Cards can be assigned only to people who can see the board"


class AlreadyBoardMember(Conflict):
    code = "already_board_member"
    title = "This person is already a member of the board"


class InvalidTimeRange(InvalidRequest):
    code = "invalid_time_range"
    title = "since must be before until"


class MentionNotBoardMember(InvalidRequest):
    code = "mention_not_board_member"
    title = "Only people who can see the board can be mentioned"


class RecurrenceNeedsDueTime(InvalidRequest):
    code = "recurrence_needs_due_time"
    title = "A recurring card needs a due time"
