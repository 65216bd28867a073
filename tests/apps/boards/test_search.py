"""Search over the cards and comments of a workspace: best matches first, with the passages
that match; never anything of a board the caller cannot see, whether the API or the database
itself is asked."""

from __future__ import annotations

import math
import os
import uuid
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from commonhold.apps.boards.search import repository
from commonhold.platform.db.server import DatabaseUrls, create_database_copy, libpq_url
from commonhold.platform.pagination import encode_cursor
from tests.apps.boards.factories import (
    API,
    create_board,
    create_card,
    create_list,
    create_workspace,
)
from tests.apps.homes.factories import add_member
from tests.conftest import as_owner
from tests.factories import TestUser, signup
from tests.mail import Inbox

ROOT = Path(__file__).resolve().parents[3]


async def _search(client: AsyncClient, user: TestUser, workspace_id: str, q: str) -> list[Any]:
    response = await client.get(
        f"{API}/workspaces/{workspace_id}/search", params={"q": q}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def _team(client: AsyncClient, inbox: Inbox) -> tuple[TestUser, TestUser, str]:
    """Ada's workspace, with Grace as an editor."""
    ada, grace = await signup(client, name="Ada"), await signup(client, name="Grace")
    workspace = await create_workspace(client, ada)
    await add_member(client, inbox, ada, workspace["id"], grace, "editor")
    return ada, grace, workspace["id"]


async def test_matches_come_best_first_with_their_board_list_and_passage(
    client: AsyncClient, inbox: Inbox
) -> None:
    ada, grace, workspace = await _team(client, inbox)
    board = await create_board(client, ada, workspace, "Website relaunch")
    doing = await create_list(client, ada, board["id"], "Doing")
    titled = await create_card(
        client, ada, doing["id"], "Write the press release", description="Quote from the CEO"
    )
    described = await create_card(
        client, ada, doing["id"], "Book the venue", description="Ask whether the press may come"
    )
    await create_card(client, ada, doing["id"], "Order flowers")
    comment = await client.post(
        f"{API}/cards/{described['id']}/comments",
        json={"body": "Signed <img src=x onerror=alert(1)>, releasing the deposit on Friday."},
        headers=grace.headers,
    )
    assert comment.status_code == 201, comment.text

    hits = await _search(client, grace, workspace, "press")
    assert [(hit["kind"], hit["id"]) for hit in hits] == [
        ("card", titled["id"]),
        ("card", described["id"]),
    ]
    assert hits[0]["rank"] > hits[1]["rank"]
    assert hits[0]["board_name"] == "Website relaunch"
    assert hits[0]["list_id"] == doing["id"]
    assert hits[0]["list_name"] == "Doing"
    assert hits[0]["archived"] is False
    assert "<mark>press</mark>" in hits[0]["snippet"]

    # Stems match ("release" finds "releasing"); markup people typed comes back escaped.
    [found] = await _search(client, grace, workspace, "release deposit")
    assert found["kind"] == "comment"
    assert found["id"] == comment.json()["id"]
    assert found["card_id"] == described["id"]
    assert found["card_title"] == "Book the venue"
    assert found["snippet"] == (
        "Signed &lt;img src=x onerror=alert(1)&gt;, <mark>releasing</mark> the "
        "<mark>deposit</mark> on Friday."
    )
    phrase = await _search(client, grace, workspace, '"press release" -venue')
    assert [hit["id"] for hit in phrase] == [titled["id"]]


async def test_nothing_of_a_private_board_reaches_those_who_cannot_see_it(
    client: AsyncClient, connection: AsyncConnection, inbox: Inbox
) -> None:
    ada, grace, workspace = await _team(client, inbox)
    secret = await create_board(client, ada, workspace, "Surprise", visibility="private")
    plans = await create_list(client, ada, secret["id"], "Plans")
    party = await create_card(client, ada, plans["id"], "Party for Grace")
    await client.post(
        f"{API}/cards/{party['id']}/comments", json={"body": "Party cake"}, headers=ada.headers
    )
    shared = await create_board(client, ada, workspace, "Roadmap")
    await create_card(
        client, ada, (await create_list(client, ada, shared["id"]))["id"], "Release party"
    )

    assert {hit["card_title"] for hit in await _search(client, ada, workspace, "party")} == {
        "Party for Grace",
        "Release party",
    }
    assert [hit["card_title"] for hit in await _search(client, grace, workspace, "party")] == [
        "Release party"
    ]

    # The statement leaves the board out on its own, beyond row-level security ...
    async with as_owner(connection), AsyncSession(bind=connection) as session:
        rows = await repository.search(
            session, uuid.UUID(workspace), grace.id, False, "party", None, 20
        )
    assert [row.card_title for row in rows] == ["Release party"]
    # ... and row-level security hides its rows from any statement.
    await connection.execute(
        text("SELECT set_config('app.user_id', :id, true)"), {"id": str(grace.id)}
    )
    matching = text(
        "SELECT count(*) FROM boards.cards "
        "WHERE search_vector @@ websearch_to_tsquery('english', 'party')"
    )
    assert await connection.scalar(matching) == 1

    # Named on the board, Grace finds it.
    added = await client.post(
        f"{API}/boards/{secret['id']}/members",
        json={"user_id": str(grace.id), "role": "observer"},
        headers=ada.headers,
    )
    assert added.status_code == 201, added.text
    hits = await _search(client, grace, workspace, "party")
    assert {hit["kind"] for hit in hits if hit["board_id"] == secret["id"]} == {"card", "comment"}


async def test_archived_cards_are_marked_deleted_things_are_gone(
    client: AsyncClient, inbox: Inbox
) -> None:
    ada, _, workspace = await _team(client, inbox)
    board = await create_board(client, ada, workspace)
    column = await create_list(client, ada, board["id"])
    archived = await create_card(client, ada, column["id"], "Old invoice")
    deleted = await create_card(client, ada, column["id"], "Wrong invoice")
    kept = await create_card(client, ada, column["id"], "Pay the printer")
    comment = await client.post(
        f"{API}/cards/{kept['id']}/comments", json={"body": "Invoice attached"}, headers=ada.headers
    )
    for response in (
        await client.patch(
            f"{API}/cards/{archived['id']}", json={"archived": True}, headers=ada.headers
        ),
        await client.delete(f"{API}/cards/{deleted['id']}", headers=ada.headers),
        await client.delete(f"{API}/comments/{comment.json()['id']}", headers=ada.headers),
    ):
        assert response.status_code in (200, 204), response.text

    hits = await _search(client, ada, workspace, "invoice")
    assert [(hit["card_title"], hit["archived"]) for hit in hits] == [("Old invoice", True)]


async def test_pages_of_matches_follow_each_other_without_repeats_or_gaps(
    client: AsyncClient, inbox: Inbox
) -> None:
    ada, grace, workspace = await _team(client, inbox)
    board = await create_board(client, ada, workspace)
    column = await create_list(client, ada, board["id"])
    # Cards alike rank alike: the pages must cut through runs of equal ranks.
    alike = [await create_card(client, ada, column["id"], "Launch plan") for _ in range(7)]
    await create_card(client, ada, column["id"], "Plan", description="The launch, step by step")
    await create_card(client, ada, column["id"], "Venue", description="Where the launch is")
    for card in alike[:3]:
        comment = await client.post(
            f"{API}/cards/{card['id']}/comments",
            json={"body": "Launch moved to Friday"},
            headers=grace.headers,
        )
        assert comment.status_code == 201, comment.text
    url = f"{API}/workspaces/{workspace}/search"
    everything = await client.get(url, params={"q": "launch"}, headers=grace.headers)
    assert everything.json()["next_cursor"] is None
    best_first = [(hit["kind"], hit["id"]) for hit in everything.json()["items"]]
    assert len(best_first) == 12

    pages: list[list[dict[str, Any]]] = []
    cursor = None
    for _ in range(len(best_first)):
        params: dict[str, str | int] = {"q": "launch", "limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        page = await client.get(url, params=params, headers=grace.headers)
        assert page.status_code == 200, page.text
        pages.append(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    else:
        raise AssertionError("the pages go on past the last match")
    assert [(hit["kind"], hit["id"]) for page in pages for hit in page] == best_first
    assert [len(page) for page in pages] == [3, 3, 3, 3]
    # Some page ends within a run of equal ranks, which the next one goes on with.
    assert any(done[-1]["rank"] == then[0]["rank"] for done, then in pairwise(pages))


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        # A cursor of another list, and ones with a rank or a kind no search gives.
        encode_cursor([datetime(2026, 1, 1, tzinfo=UTC), uuid.UUID(int=1)]),
        encode_cursor([math.nan, "card", uuid.UUID(int=1)]),
        encode_cursor([0.5, "board", uuid.UUID(int=1)]),
    ],
)
async def test_a_cursor_that_is_not_one_is_refused(
    client: AsyncClient, inbox: Inbox, cursor: str
) -> None:
    ada, _, workspace = await _team(client, inbox)
    response = await client.get(
        f"{API}/workspaces/{workspace}/search",
        params={"q": "launch", "cursor": cursor},
        headers=ada.headers,
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("q", ["the and of", "!!! && || ()", "-", '""', "   "])
async def test_stop_words_or_symbols_alone_find_nothing(
    client: AsyncClient, inbox: Inbox, q: str
) -> None:
    ada, _, workspace = await _team(client, inbox)
    board = await create_board(client, ada, workspace)
    await create_card(client, ada, (await create_list(client, ada, board["id"]))["id"], "The end")
    assert await _search(client, ada, workspace, q) == []


async def test_the_words_and_the_count_are_bounded(client: AsyncClient, inbox: Inbox) -> None:
    ada, _, workspace = await _team(client, inbox)
    url = f"{API}/workspaces/{workspace}/search"
    cases: list[dict[str, str | int]] = [{"q": "x" * 201}, {"q": ""}, {}, {"q": "p", "limit": 51}]
    for params in cases:
        response = await client.get(url, params=params, headers=ada.headers)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"
    stranger = await signup(client, name="Bob")
    outside = await client.get(url, params={"q": "plan"}, headers=stranger.headers)
    assert outside.status_code == 404
    assert outside.json()["code"] == "workspace_not_found"


def test_0012_downgrades_and_upgrades_again(database_urls: DatabaseUrls) -> None:
    """Down, the messages go and the cards keep everything but their vectors (and log every
    column again); up, the vectors come back computed and out of the log."""
    run = os.environ.get("COMMONHOLD_TEST_DATABASE", "commonhold_test")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    urls = create_database_copy(database_urls, f"{run}_{worker}_boards_0012")
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["owner_url"] = urls.owner
    command.upgrade(config, "0012")
    with psycopg.connect(libpq_url(urls.owner), autocommit=True) as conn:
        conn.execute(MIGRATION_WORLD)

    command.downgrade(config, "0011")
    with psycopg.connect(libpq_url(urls.owner), autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('boards.direct_messages')").fetchone() == (None,)
        assert conn.execute("SELECT title FROM boards.cards").fetchall() == [("Press kit",)]
        assert _searchable_columns(conn) == []
        assert "search_vector" not in _log_trigger_arguments(conn)

    command.upgrade(config, "0012")
    with psycopg.connect(libpq_url(urls.owner), autocommit=True) as conn:
        found = conn.execute(
            "SELECT title FROM boards.cards "
            "WHERE search_vector @@ websearch_to_tsquery('english', 'press')"
        ).fetchall()
        assert found == [("Press kit",)]
        assert _searchable_columns(conn) == [("cards",), ("comments",)]
        assert "'search_vector'" in _log_trigger_arguments(conn)
        assert conn.execute("SELECT count(*) FROM boards.direct_messages").fetchone() == (0,)


# A person's workspace with a board, a list, a card and a message, as the owner role.
MIGRATION_WORLD = """
WITH person AS (
  INSERT INTO platform.users (id, email, display_name, password_hash)
  VALUES (gen_random_uuid(), 'm@example.com', 'M', 'x') RETURNING id
), other AS (
  INSERT INTO platform.users (id, email, display_name, password_hash)
  VALUES (gen_random_uuid(), 'n@example.com', 'N', 'x') RETURNING id
), workspace AS (
  INSERT INTO platform.spaces (id, kind, name, created_by)
  SELECT gen_random_uuid(), 'workspace', 'W', id FROM person RETURNING id, created_by
), board AS (
  INSERT INTO boards.boards (id, space_id, name, visibility, created_by)
  SELECT gen_random_uuid(), id, 'B', 'workspace', created_by FROM workspace
  RETURNING id, space_id, created_by
), list AS (
  INSERT INTO boards.lists (id, space_id, board_id, name, position)
  SELECT gen_random_uuid(), space_id, id, 'L', 'V' FROM board
  RETURNING id, board_id, space_id
), card AS (
  INSERT INTO boards.cards (id, space_id, board_id, list_id, title, position, created_by)
  SELECT gen_random_uuid(), list.space_id, list.board_id, list.id, 'Press kit', 'V', person.id
  FROM list, person RETURNING id
)
INSERT INTO boards.direct_messages (id, space_id, sender_id, recipient_id, body)
SELECT gen_random_uuid(), workspace.id, person.id, other.id, 'Hi'
FROM workspace, person, other, card
"""


def _searchable_columns(conn: psycopg.Connection[Any]) -> list[Any]:
    return conn.execute(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'boards' AND column_name = 'search_vector' ORDER BY 1"
    ).fetchall()


def _log_trigger_arguments(conn: psycopg.Connection[Any]) -> str:
    rows = conn.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid IN ('boards.cards'::regclass, 'boards.comments'::regclass) "
        "AND tgname LIKE '%log_update'"
    ).fetchall()
    assert len(rows) == 2
    return " ".join(row[0] for row in rows)
