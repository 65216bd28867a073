"""Board activity is kept for ``boards_activity_retention_days``, then deleted by a weekly job
a batch at a time."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from commonhold.apps.boards import activity
from commonhold.apps.boards.tasks import trim_all_activity
from commonhold.platform.db.base import utcnow
from tests.apps.boards.factories import API, create_board, create_list, create_workspace
from tests.live import LiveWorld


async def test_activity_past_its_retention_is_deleted_in_batches_and_the_rest_kept(
    live: LiveWorld,
) -> None:
    ada = await live.user("Ada")
    workspace = await create_workspace(live.client, ada)
    board = await create_board(live.client, ada, workspace["id"])
    for name in ("Old 1", "Old 2", "Old 3", "Old 4", "Old 5", "Recent"):
        await create_list(live.client, ada, board["id"], name)
    await live.execute(
        "UPDATE boards.activity SET created_at = now() - interval '400 days' "
        "WHERE board_id = :board_id AND data->>'name' LIKE 'Old %'",
        board_id=board["id"],
    )

    with patch.object(activity, "TRIM_BATCH", 2):
        trimmed = await trim_all_activity(live.system, utcnow() - timedelta(days=365))

    assert trimmed == 5
    response = await live.client.get(f"{API}/boards/{board['id']}/activity", headers=ada.headers)
    assert response.status_code == 200, response.text
    left = [(a["action"], a["data"].get("name")) for a in response.json()["items"]]
    assert ("list.created", "Recent") in left
    assert not [name for _, name in left if name and name.startswith("Old")]
