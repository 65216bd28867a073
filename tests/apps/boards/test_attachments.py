"""Files attached to cards through the files platform: board members attach, everyone on the
board sees and downloads them, observers and outsiders cannot; what the files platform refuses
is refused here with its codes; a removed attachment's bytes are erased after the retention
period; the board counts each card's attachments and every change reaches those who see the
board, and them alone."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from httpx import AsyncClient, Response
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from commonhold.platform.db.session import Database, set_user_context
from commonhold.platform.files.storage import file_key, storage_from_settings
from commonhold.platform.files.tasks import purge
from tests.apps.boards.factories import (
    API,
    create_board,
    create_card,
    create_list,
    create_workspace,
    created,
)
from tests.apps.homes.factories import add_member, set_tier
from tests.conftest import as_owner, recorded_statements
from tests.factories import TestUser, signup
from tests.live import LiveWorld
from tests.mail import Inbox
from tests.uploads import ELF, GPS_IFD, HTML, PDF, local_path, photo_with_location

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024


async def _request(
    client: AsyncClient, user: TestUser, card_id: str, data: bytes, **fields: Any
) -> Response:
    body: dict[str, Any] = {"file_name": "cover.jpg", "content_type": "image/jpeg"}
    body |= {"size": len(data), **fields}
    return await client.post(
        f"{API}/cards/{card_id}/attachments/uploads", json=body, headers=user.headers
    )


async def _attach(
    live: LiveWorld, user: TestUser, card_id: str, data: bytes, **fields: Any
) -> tuple[str, Response]:
    """Request a target, send ``data`` there, confirm: the attachment's id and the answer."""
    requested = created(await _request(live.client, user, card_id, data, **fields))
    upload = requested["upload"]
    sent = await live.client.put(local_path(upload["url"]), content=data, headers=upload["headers"])
    assert sent.status_code == 204, sent.text
    attachment_id: str = requested["attachment"]["id"]
    confirmed = await live.client.post(
        f"{API}/cards/{card_id}/attachments/{attachment_id}/confirm", headers=user.headers
    )
    return attachment_id, confirmed


async def _listed(client: AsyncClient, user: TestUser, card_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/cards/{card_id}/attachments", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _counts(client: AsyncClient, user: TestUser, board_id: str) -> dict[str, int]:
    """Each card's attachment count, by title, as the board shows it."""
    response = await client.get(f"{API}/boards/{board_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return {
        card["title"]: card["attachment_count"]
        for board_list in response.json()["lists"]
        for card in board_list["cards"]
    }


async def _actions(client: AsyncClient, user: TestUser, board_id: str) -> list[tuple[str, str]]:
    """The board's activity, oldest first: each action with the file it names."""
    response = await client.get(f"{API}/boards/{board_id}/activity", headers=user.headers)
    assert response.status_code == 200, response.text
    return [
        (entry["action"], entry["data"]["file_name"])
        for entry in reversed(response.json()["items"])
        if entry["action"].startswith("attachment.")
    ]


async def _file_of(live: LiveWorld, attachment_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    [(space_id, file_id)] = await live.execute(
        "SELECT space_id, file_id FROM boards.card_attachments WHERE id = :id",
        id=uuid.UUID(attachment_id),
    )
    return uuid.UUID(str(space_id)), uuid.UUID(str(file_id))


async def _stored(live: LiveWorld, space_id: uuid.UUID, file_id: uuid.UUID) -> list[str]:
    """What storage holds of the file."""
    storage = storage_from_settings(live.settings)
    return [
        variant
        for variant in ("original", "thumb-256", "thumb-1024")
        if await storage.exists(file_key(space_id, file_id, variant))
    ]


async def _team(
    client: AsyncClient,
    owner: TestUser,
    inbox: Inbox | None = None,
    members: Sequence[tuple[TestUser, str]] = (),
) -> dict[str, Any]:
    """``owner``'s workspace with ``members`` in it (each with a workspace role), and a card
    on a board everyone in it sees."""
    workspace = await create_workspace(client, owner)
    for person, role in members:
        assert inbox is not None, "members are invited by email"
        await add_member(client, inbox, owner, workspace["id"], person, role)
    board = await create_board(client, owner, workspace["id"])
    card = await create_card(client, owner, (await create_list(client, owner, board["id"]))["id"])
    return {"workspace": workspace, "board": board, "card": card}


async def test_a_member_attaches_a_photo_that_everyone_on_the_board_sees_and_downloads(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, vic = [await live.user(name) for name in ("Ada", "Grace", "Vic")]
    team = await _team(live.client, ada, inbox, [(grace, "editor"), (vic, "viewer")])
    card_id = team["card"]["id"]

    attachment_id, confirmed = await _attach(live, grace, card_id, photo_with_location())

    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["processing_status"], confirmed.json()["file_url"]) == (
        "uploaded",
        None,
    )
    await live.run_jobs()
    [photo] = await _listed(live.client, vic, card_id)
    assert photo["id"] == attachment_id
    assert (photo["processing_status"], photo["file_type"], photo["uploader_name"]) == (
        "ready",
        "image/jpeg",
        "Grace",
    )
    served = await live.client.get(local_path(photo["file_url"]))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["content-disposition"].startswith("inline")
    with Image.open(io.BytesIO(served.content)) as kept:
        assert kept.size == (1200, 900)
        assert dict(kept.getexif().get_ifd(GPS_IFD)) == {}
    assert [t["side"] for t in photo["thumbnails"]] == [256, 1024]
    small = await live.client.get(local_path(photo["thumbnails"][0]["url"]))
    with Image.open(io.BytesIO(small.content)) as thumbnail:
        assert (thumbnail.format, max(thumbnail.size)) == ("WEBP", 256)
    assert await _counts(live.client, vic, team["board"]["id"]) == {"Write the copy": 1}
    assert await _actions(live.client, vic, team["board"]["id"]) == [
        ("attachment.added", "cover.jpg")
    ]


async def test_a_pdf_is_kept_as_it_came_and_downloads_as_a_file(live: LiveWorld) -> None:
    ada = await live.user("Ada")
    card_id = (await _team(live.client, ada))["card"]["id"]

    _, confirmed = await _attach(
        live, ada, card_id, PDF, file_name="brief.pdf", content_type="application/pdf"
    )

    assert confirmed.status_code == 200, confirmed.text
    await live.run_jobs()
    [brief] = await _listed(live.client, ada, card_id)
    assert (brief["processing_status"], brief["file_type"], brief["thumbnails"]) == (
        "ready",
        "application/pdf",
        [],
    )
    served = await live.client.get(local_path(brief["file_url"]))
    assert served.content == PDF
    assert served.headers["content-disposition"].startswith("attachment")


async def test_observers_cannot_attach_but_see_what_is_attached(
    client: AsyncClient, inbox: Inbox
) -> None:
    ada, grace, vic = [await signup(client, name=name) for name in ("Ada", "Grace", "Vic")]
    team = await _team(client, ada, inbox, [(grace, "editor"), (vic, "viewer")])
    card_id = team["card"]["id"]
    made_observer = await client.post(
        f"{API}/boards/{team['board']['id']}/members",
        json={"user_id": str(grace.id), "role": "observer"},
        headers=ada.headers,
    )
    assert made_observer.status_code == 201, made_observer.text
    created(await _request(client, ada, card_id, PDF, content_type="application/pdf"))

    for observer in (vic, grace):
        refused = await _request(client, observer, card_id, photo_with_location())
        assert (refused.status_code, refused.json()["code"]) == (403, "board_role_not_allowed")
        assert [a["uploader_name"] for a in await _listed(client, observer, card_id)] == ["Ada"]


async def test_a_declared_type_other_than_an_image_or_a_pdf_is_refused_at_once(
    client: AsyncClient,
) -> None:
    ada = await signup(client, name="Ada")
    card_id = (await _team(client, ada))["card"]["id"]

    refused = await _request(client, ada, card_id, HTML, content_type="text/html")

    assert (refused.status_code, refused.json()["code"]) == (415, "file_type_not_allowed")
    assert "application/pdf" in refused.json()["allowed_types"]
    assert await _listed(client, ada, card_id) == []


@pytest.mark.parametrize(
    ("data", "declared", "code"),
    [
        (ELF, "image/jpeg", "file_type_not_allowed"),
        (ELF, "application/octet-stream", "file_type_not_allowed"),
        (HTML, "application/pdf", "file_type_not_allowed"),
        (PDF, "image/png", "file_type_mismatch"),
    ],
    ids=["renamed-executable", "undeclared-executable", "html-as-pdf", "pdf-declared-as-image"],
)
async def test_a_file_that_is_not_an_image_or_a_pdf_is_refused_and_erased(
    live: LiveWorld, data: bytes, declared: str, code: str
) -> None:
    ada = await live.user("Ada")
    team = await _team(live.client, ada)
    card_id = team["card"]["id"]

    attachment_id, confirmed = await _attach(live, ada, card_id, data, content_type=declared)

    assert confirmed.status_code == 415, confirmed.text
    assert confirmed.headers["content-type"] == "application/problem+json"
    assert confirmed.json()["code"] == code
    [refused] = await _listed(live.client, ada, card_id)
    assert (refused["processing_status"], refused["failure_code"], refused["file_url"]) == (
        "failed",
        code,
        None,
    )
    assert await _stored(live, *await _file_of(live, attachment_id)) == []
    assert await _actions(live.client, ada, team["board"]["id"]) == []


async def test_the_workspace_plan_caps_the_size_of_a_file(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    ada = await signup(client, name="Ada")
    card_id = (await _team(client, ada))["card"]["id"]

    free_ok = await _request(client, ada, card_id, b"", size=10 * MiB)
    free_over = await _request(client, ada, card_id, b"", size=10 * MiB + 1)
    await set_tier(connection, ada, "basic")
    basic_ok = await _request(client, ada, card_id, b"", size=25 * MiB)
    basic_over = await _request(client, ada, card_id, b"", size=25 * MiB + 1)
    async with as_owner(connection):
        await connection.execute(
            text("UPDATE platform.subscriptions SET status = 'past_due' WHERE user_id = :id"),
            {"id": ada.id},
        )
    past_due = await _request(client, ada, card_id, PDF, content_type="application/pdf")

    assert (free_ok.status_code, basic_ok.status_code) == (201, 201)
    assert [(r.status_code, r.json()["code"]) for r in (free_over, basic_over)] == [
        (413, "file_too_large"),
        (413, "file_too_large"),
    ]
    assert [free_over.json()["max_bytes"], basic_over.json()["max_bytes"]] == [10 * MiB, 25 * MiB]
    assert (past_due.status_code, past_due.json()["code"]) == (403, "subscription_past_due")
    assert len(await _listed(client, ada, card_id)) == 2


async def test_the_board_counts_each_cards_attachments_in_the_same_statements(
    client: AsyncClient, owner_engine: AsyncEngine
) -> None:
    ada = await signup(client, name="Ada")
    team = await _team(client, ada)
    board_id, first = team["board"]["id"], team["card"]["id"]
    second = (await create_card(client, ada, team["card"]["list_id"], "Second"))["id"]
    await create_card(client, ada, team["card"]["list_id"], "Bare")
    created(await _request(client, ada, first, PDF, content_type="application/pdf"))
    with recorded_statements(owner_engine) as statements:
        assert await _counts(client, ada, board_id) == {"Write the copy": 1, "Second": 0, "Bare": 0}
    few = len(statements)

    for card_id in (first, second, second):
        created(await _request(client, ada, card_id, PDF, content_type="application/pdf"))
    with recorded_statements(owner_engine) as statements:
        assert await _counts(client, ada, board_id) == {"Write the copy": 2, "Second": 2, "Bare": 0}
    assert len(statements) == few
    gone = (await _listed(client, ada, second))[0]["id"]
    removed = await client.delete(f"{API}/cards/{second}/attachments/{gone}", headers=ada.headers)
    assert removed.status_code == 204, removed.text
    assert await _counts(client, ada, board_id) == {"Write the copy": 2, "Second": 1, "Bare": 0}


async def test_the_uploader_or_a_board_admin_removes_a_file_which_goes_after_retention(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, grace, max_ = [await live.user(name) for name in ("Ada", "Grace", "Max")]
    team = await _team(live.client, ada, inbox, [(grace, "editor"), (max_, "editor")])
    card_id, board_id = team["card"]["id"], team["board"]["id"]
    photo_id, _ = await _attach(live, grace, card_id, photo_with_location())
    await live.run_jobs()
    brief_id, _ = await _attach(
        live, grace, card_id, PDF, file_name="brief.pdf", content_type="application/pdf"
    )
    photo = await _file_of(live, photo_id)
    url = f"{API}/cards/{card_id}/attachments"

    by_another_member = await live.client.delete(f"{url}/{photo_id}", headers=max_.headers)
    by_uploader = await live.client.delete(f"{url}/{photo_id}", headers=grace.headers)
    by_admin = await live.client.delete(f"{url}/{brief_id}", headers=ada.headers)
    again = await live.client.delete(f"{url}/{photo_id}", headers=grace.headers)

    assert (by_another_member.status_code, by_another_member.json()["code"]) == (
        403,
        "not_attachment_uploader",
    )
    assert (by_uploader.status_code, by_admin.status_code) == (204, 204)
    assert (again.status_code, again.json()["code"]) == (404, "attachment_not_found")
    assert await _listed(live.client, grace, card_id) == []
    assert await _actions(live.client, grace, board_id) == [
        ("attachment.added", "cover.jpg"),
        ("attachment.added", "brief.pdf"),
        ("attachment.removed", "cover.jpg"),
        ("attachment.removed", "brief.pdf"),
    ]
    storage = storage_from_settings(live.settings)
    assert await purge(live.system, storage, live.settings) == 0
    assert await _stored(live, *photo) == ["original", "thumb-256", "thumb-1024"]

    await live.execute(
        "UPDATE platform.files SET deleted_at = now() - interval '31 days' WHERE space_id = :id",
        id=photo[0],
    )
    assert await purge(live.system, storage, live.settings) == 2
    assert await _stored(live, *photo) == []
    assert await live.execute(
        "SELECT count(*) FROM platform.files WHERE space_id = :id", id=photo[0]
    ) == [(0,)]


async def test_a_deleted_cards_files_are_discarded_with_it(live: LiveWorld) -> None:
    ada = await live.user("Ada")
    team = await _team(live.client, ada)
    card_id = team["card"]["id"]
    attachment_id, _ = await _attach(live, ada, card_id, PDF, content_type="application/pdf")
    _, file_id = await _file_of(live, attachment_id)

    deleted = await live.client.delete(f"{API}/cards/{card_id}", headers=ada.headers)

    assert deleted.status_code == 204, deleted.text
    [(discarded,)] = await live.execute(
        "SELECT deleted_at IS NOT NULL FROM platform.files WHERE id = :id", id=file_id
    )
    assert discarded is True


async def _changes_of(
    live: LiveWorld, user: TestUser, cursor: str, entity_id: str, at_least: int = 0
) -> list[dict[str, Any]]:
    """``user``'s changes of ``entity_id`` after ``cursor``, once at least ``at_least`` show
    (a change shows when every older transaction on the server has ended)."""
    for _ in range(100):
        response = await live.client.get(
            f"{API}/sync", params={"cursor": cursor}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        changes = [c for c in response.json()["changes"] if c["entity_id"] == entity_id]
        if len(changes) >= at_least:
            return changes
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} changes for {user.email}")


async def _cursor(live: LiveWorld, user: TestUser) -> str:
    cursor: str = (await live.client.get(f"{API}/sync", headers=user.headers)).json()["next_cursor"]
    return cursor


async def _rows_seen(live: LiveWorld, user: TestUser, board_id: str) -> int:
    """The board's attachments the database shows ``user``, asked directly as the app."""
    database = Database.connect(live.urls.app, 1)
    try:
        async with database.sessionmaker() as session, session.begin():
            await set_user_context(session, user.id)
            count = await session.scalar(
                text("SELECT count(*) FROM boards.card_attachments WHERE board_id = :board_id"),
                {"board_id": board_id},
            )
    finally:
        await database.dispose()
    return int(count or 0)


async def test_a_private_boards_attachments_reach_those_who_see_it_and_nobody_else(
    live: LiveWorld, inbox: Inbox
) -> None:
    ada, eve, max_ = [await live.user(name) for name in ("Ada", "Eve", "Max")]
    workspace = await create_workspace(live.client, ada)
    for person in (eve, max_):
        await add_member(live.client, inbox, ada, workspace["id"], person, "editor")
    secret = await create_board(live.client, ada, workspace["id"], "Surprise", visibility="private")
    added = await live.client.post(
        f"{API}/boards/{secret['id']}/members",
        json={"user_id": str(max_.id), "role": "member"},
        headers=ada.headers,
    )
    assert added.status_code == 201, added.text
    card = await create_card(
        live.client, max_, (await create_list(live.client, max_, secret["id"]))["id"]
    )
    cursors = {person.email: await _cursor(live, person) for person in (ada, eve, max_)}

    attachment_id, confirmed = await _attach(
        live, max_, card["id"], PDF, file_name="gift-list.pdf", content_type="application/pdf"
    )

    assert confirmed.status_code == 200, confirmed.text
    for person in (ada, max_):
        [change] = await _changes_of(live, person, cursors[person.email], attachment_id, 1)
        assert (change["kind"], change["scope_id"]) == ("attachment:added", secret["id"])
        assert change["fields"]["file_name"] == "gift-list.pdf"
    assert await _changes_of(live, eve, cursors[eve.email], attachment_id) == []
    url = f"{API}/cards/{card['id']}/attachments"
    for response in (
        await live.client.get(url, headers=eve.headers),
        await _request(live.client, eve, card["id"], PDF, content_type="application/pdf"),
        await live.client.delete(f"{url}/{attachment_id}", headers=eve.headers),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "card_not_found")
    assert [a["file_name"] for a in await _listed(live.client, ada, card["id"])] == [
        "gift-list.pdf"
    ]
    seen = [await _rows_seen(live, person, secret["id"]) for person in (max_, eve)]
    assert seen == [1, 0]

    cursors = {person.email: await _cursor(live, person) for person in (ada, eve)}
    removed = await live.client.delete(f"{url}/{attachment_id}", headers=max_.headers)
    assert removed.status_code == 204, removed.text
    [change] = await _changes_of(live, ada, cursors[ada.email], attachment_id, 1)
    assert change["kind"] == "attachment:removed"
    assert await _changes_of(live, eve, cursors[eve.email], attachment_id) == []


async def test_on_s3_the_client_sends_and_fetches_a_cards_file_straight_from_the_store(
    live_on_s3: LiveWorld, s3_client: S3Client
) -> None:
    live = live_on_s3
    ada = await live.user("Ada")
    card_id = (await _team(live.client, ada))["card"]["id"]
    data = photo_with_location()
    requested = created(await _request(live.client, ada, card_id, data))
    upload, attachment_id = requested["upload"], requested["attachment"]["id"]

    async with httpx.AsyncClient() as outside:
        assert upload["url"].startswith(str(live.settings.s3_endpoint_url))
        sent = await outside.put(upload["url"], content=data, headers=upload["headers"])
        assert sent.status_code == 200, sent.text
        confirmed = await live.client.post(
            f"{API}/cards/{card_id}/attachments/{attachment_id}/confirm", headers=ada.headers
        )
        assert confirmed.status_code == 200, confirmed.text
        await live.run_jobs()
        [photo] = await _listed(live.client, ada, card_id)
        served = await outside.get(photo["file_url"])

    assert photo["processing_status"] == "ready"
    assert (served.status_code, served.headers["content-type"]) == (200, "image/jpeg")
    with Image.open(io.BytesIO(served.content)) as kept:
        assert dict(kept.getexif().get_ifd(GPS_IFD)) == {}
    space_id, file_id = await _file_of(live, attachment_id)
    stored = s3_client.list_objects_v2(Bucket=str(live.settings.s3_bucket), Prefix=f"{space_id}/")
    assert sorted(o["Key"] for o in stored.get("Contents", [])) == [
        file_key(space_id, file_id, variant) for variant in ("original", "thumb-1024", "thumb-256")
    ]
