from __future__ import annotations

from commonhold.platform.errors import AppError, Conflict, NotFound


class SpaceNotFound(NotFound):
    code = "space_not_found"
    title = "Space not found"


class MemberNotFound(NotFound):
    code = "member_not_found"
    title = "Member not found"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    title = "Invitation not found, expired or already answered"


class AlreadyMember(Conflict):
    code = "already_member"
    title = "This person is already a member"


class RoleNotAllowed(AppError):
    status = 403
    code = "role_not_allowed"
    title = "Your role does not allow this"


class OwnerMustTransfer(Conflict):
    code = "owner_must_transfer"
    title = "The owner must transfer ownership before leaving"
