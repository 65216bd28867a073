"""A workspace for the demo: three boards with lists, labelled and assigned cards, a
checklist and a conversation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.boards import service as boards
from commonhold.apps.boards.boards.schemas import BoardCreate, BoardMemberCreate, LabelCreate
from commonhold.apps.boards.cards import service as cards
from commonhold.apps.boards.cards.schemas import (
    AssigneeAdd,
    CardCreate,
    CardLabelAdd,
    ChecklistCreate,
    ChecklistItemCreate,
    ChecklistItemUpdate,
    ListCreate,
)
from commonhold.apps.boards.comments import service as comments
from commonhold.apps.boards.comments.schemas import CommentCreate
from commonhold.apps.boards.workspaces import service as workspaces
from commonhold.apps.boards.workspaces.schemas import WorkspaceCreate
from commonhold.platform.authz import AuthSubject
from commonhold.platform.recurrence import Frequency
from commonhold.platform.spaces.models import SpaceMember

PRESS_RELEASE = "Write the press release"
# Comes back a week later each time it is completed.
WATERING = "Water the plants"
LABELS = (("Urgent", "#eb5a46"), ("Design", "#c377e0"), ("Content", "#61bd4f"))

# board: (description, colour, visibility, lists of (name, cards of (title, label, for whom)))
Cards = tuple[tuple[str, str | None, str | None], ...]
BOARDS: dict[str, tuple[str, str, str, tuple[tuple[str, Cards], ...]]] = {
    "Website relaunch": (
        "Everything for the new site going live next month.",
        "#0079bf",
        "workspace",
        (
            (
                "To do",
                (
                    (PRESS_RELEASE, "Content", "housemate"),
                    ("Choose the photos for the home page", "Design", None),
                ),
            ),
            ("Doing", (("Redesign the pricing page", "Design", "owner"),)),
            ("Done", (("Move the blog to the new domain", None, "owner"),)),
        ),
    ),
    "Household projects": (
        "Bigger jobs around the house.",
        "#519839",
        "workspace",
        (
            ("Someday", (("Paint the fence", None, None), ("Build a bookshelf", None, None))),
            (
                "This month",
                (("Fix the dripping tap", "Urgent", "housemate"), (WATERING, None, "owner")),
            ),
            ("Finished", (("Clear out the garage", None, "owner"),)),
        ),
    ),
    "Birthday surprise": (
        "Only for the two of us.",
        "#b04632",
        "private",
        (
            ("Ideas", (("Book the restaurant", "Urgent", "owner"),)),
            ("Bought", (("Concert tickets", None, "owner"),)),
        ),
    ),
}


async def seed_workspace(
    session: AsyncSession, owner: AuthSubject, housemate: AuthSubject
) -> uuid.UUID:
    """The owner's workspace, shared with the housemate, and its three boards."""
    workspace = await workspaces.create_workspace(
        session, owner, WorkspaceCreate(name="Demo workspace")
    )
    session.add(SpaceMember(space_id=workspace.id, user_id=housemate.user_id, role="editor"))
    await session.flush()
    people = {"owner": owner, "housemate": housemate}
    for name, (description, color, visibility, lists) in BOARDS.items():
        board = await boards.create_board(
            session,
            owner,
            workspace.id,
            BoardCreate(
                name=name,
                description=description,
                background_color=color,
                visibility=visibility,
            ),
        )
        if visibility == "private":
            await boards.add_member(
                session, owner, board.id, BoardMemberCreate(user_id=housemate.user_id)
            )
        labels = {
            label_name: (
                await boards.create_label(
                    session, owner, board.id, LabelCreate(name=label_name, color=label_color)
                )
            ).id
            for label_name, label_color in LABELS
        }
        for list_name, list_cards in lists:
            board_list = await cards.create_list(
                session, owner, board.id, ListCreate(name=list_name)
            )
            for n, (title, label, assignee) in enumerate(list_cards):
                card = await cards.create_card(
                    session,
                    owner,
                    board_list.id,
                    CardCreate(
                        title=title,
                        due_at=datetime.now(UTC) + timedelta(days=3 + 4 * n),
                        recurrence=Frequency.WEEKLY if title == WATERING else Frequency.NONE,
                    ),
                )
                if label is not None:
                    await cards.add_label(
                        session, owner, card.id, CardLabelAdd(label_id=labels[label])
                    )
                if assignee is not None:
                    await cards.add_assignee(
                        session, owner, card.id, AssigneeAdd(user_id=people[assignee].user_id)
                    )
                if title == PRESS_RELEASE:
                    await _conversation(session, owner, housemate, card.id)
    return workspace.id


async def _conversation(
    session: AsyncSession, owner: AuthSubject, housemate: AuthSubject, card_id: uuid.UUID
) -> None:
    """A checklist half done and a short exchange on one card."""
    checklist = await cards.create_checklist(
        session, owner, card_id, ChecklistCreate(title="Before sending")
    )
    for n, text in enumerate(("Quote from the founder", "Legal has read it", "Photos attached")):
        item = await cards.add_checklist_item(
            session, housemate, checklist.id, ChecklistItemCreate(text=text)
        )
        if n == 0:
            await cards.update_checklist_item(
                session, housemate, item.id, ChecklistItemUpdate(done=True)
            )
    await comments.add_comment(
        session, owner, card_id, CommentCreate(body="Can you have a draft by Friday?")
    )
    await comments.add_comment(
        session, housemate, card_id, CommentCreate(body="Yes, it is in the shared folder.")
    )
