"""What boards changes are called for clients (``sync:change`` and ``/sync`` kinds): a card is
a ``task``, so moving one is ``task:moved`` and commenting is ``comment:added``."""

from __future__ import annotations

from commonhold.platform.sync.kinds import KindNames, name_kinds

_ARCHIVED = ("archived", "archived", "unarchived")

name_kinds("boards.board", KindNames("board", by_field=(_ARCHIVED,)))
name_kinds(
    "boards.board_member",
    KindNames("member", created="added", updated="role_changed", removed="removed"),
)
name_kinds("boards.list", KindNames("list", by_field=(("position", "moved", "moved"), _ARCHIVED)))
name_kinds(
    "boards.card",
    KindNames(
        "task",
        by_field=(
            ("list_id", "moved", "moved"),
            ("position", "moved", "moved"),
            ("completed_at", "completed", "reopened"),
            _ARCHIVED,
            ("assignee_ids", "assignees_changed", "assignees_changed"),
            ("label_ids", "labels_changed", "labels_changed"),
        ),
    ),
)
name_kinds("boards.label", KindNames("label"))
name_kinds("boards.checklist", KindNames("checklist"))
name_kinds(
    "boards.checklist_item",
    KindNames("checklist_item", by_field=(("done", "checked", "unchecked"),)),
)
name_kinds("boards.comment", KindNames("comment", created="added", updated="edited"))
# Added when its upload is requested; its processing status is the files platform's.
name_kinds("boards.card_attachment", KindNames("attachment", created="added", removed="removed"))
