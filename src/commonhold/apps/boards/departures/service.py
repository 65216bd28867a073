"""Taking someone who is no longer a member of a workspace off its boards and cards, once
the platform says so (``spaces.member.removed``). Ordinary row changes: the change log
records them, so open boards see the person go, and each board's activity says who did it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.boards import repository as boards_repo
from commonhold.apps.boards.departures import repository as repo
from commonhold.apps.boards.models import Activity
from commonhold.platform.cache import invalidate_after_commit
from commonhold.platform.events import subscriber
from commonhold.platform.spaces.events import MemberRemoved


@subscriber(MemberRemoved, "boards.remove_departed_member")
async def remove_departed_member(session: AsyncSession, event: MemberRemoved) -> None:
    """Their board memberships go and they are unassigned from every card, unless they are a
    member again by now: what they hold then may be theirs anew, so nothing is taken."""
    workspace_id, user_id = event.space_id, event.user_id
    if await boards_repo.space_role(session, workspace_id, user_id) is not None:
        return
    boards = await repo.leave_boards(session, workspace_id, user_id)
    cards = await repo.unassign_everywhere(session, workspace_id, user_id)
    invalidate_after_commit(session, *(boards_repo.members_key(board) for board in boards))
    data = {"user_id": str(user_id)}
    for board in boards:
        session.add(
            Activity(
                space_id=workspace_id,
                board_id=board,
                actor_id=event.actor_id,
                action="member.removed",
                data=data,
            )
        )
    for card in cards:
        session.add(
            Activity(
                space_id=workspace_id,
                board_id=card.board_id,
                card_id=card.id,
                actor_id=event.actor_id,
                action="card.unassigned",
                data=data,
            )
        )
