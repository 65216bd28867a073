"""Problems the direct message endpoints answer with; the ``code`` of each is part of the API."""

from __future__ import annotations

from commonhold.platform.errors import AppError, InvalidRequest, NotFound


class MessageNotFound(NotFound):
    code = "message_not_found"
    title = "Message not found"


class RecipientNotWorkspaceMember(InvalidRequest):
    code = "recipient_not_workspace_member"
    title = "Messages go only to members of the workspace"


class CannotMessageYourself(InvalidRequest):
    code = "cannot_message_yourself"
    title = "A message needs a recipient other than its sender"


class NotMessageRecipient(AppError):
    status = 403
    code = "not_message_recipient"
    title = "Only its recipient may mark a message read"
