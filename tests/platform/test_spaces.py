"""Spaces through the HTTP API: invitations, isolation from strangers, roles, paging, audit."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from commonhold.platform.spaces.tasks import purge_ended_invitations
from tests.conftest import as_owner
from tests.factories import TestUser, create_space, signup
from tests.mail import Inbox

API = "/api/v1"
_ACCEPT_LINE = re.compile(r"POST /api/v1/invitations/([A-Za-z0-9_-]+)/accept")


def _body_text(message: Any) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes), "the invitation mail has no plain-text body"
    return payload.decode(message.get_content_charset() or "utf-8")


async def _invitation_token(
    inbox: Inbox, to: str, known: frozenset[str] = frozenset(), seconds: float = 5.0
) -> str:
    """The token of the newest invitation mail to ``to`` that carries a token not in ``known``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        for message in reversed(inbox.messages):
            if message["To"] != to or "invited you to" not in (message["Subject"] or ""):
                continue
            match = _ACCEPT_LINE.search(_body_text(message))
            assert match is not None, _body_text(message)
            if match.group(1) not in known:
                return match.group(1)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no new invitation mail to {to} arrived")


def _no_mail_to(inbox: Inbox, to: str) -> None:
    assert [m for m in inbox.messages if m["To"] == to] == []


def _problem(response: Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text


async def _invite(
    client: AsyncClient,
    inbox: Inbox,
    inviter: TestUser,
    space_id: str,
    email: str,
    role: str = "editor",
    known: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], str]:
    response = await client.post(
        f"{API}/spaces/{space_id}/invitations",
        json={"email": email, "role": role},
        headers=inviter.headers,
    )
    assert response.status_code == 201, response.text
    # Addresses are stored, and mailed, in lower case.
    return response.json(), await _invitation_token(inbox, email.lower(), known)


async def _join(
    client: AsyncClient,
    inbox: Inbox,
    inviter: TestUser,
    space_id: str,
    user: TestUser,
    role: str,
) -> None:
    _, token = await _invite(client, inbox, inviter, space_id, user.email, role)
    response = await client.post(f"{API}/invitations/{token}/accept", headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == role


async def _members(client: AsyncClient, user: TestUser, space_id: str) -> dict[str, str]:
    response = await client.get(f"{API}/spaces/{space_id}/members", headers=user.headers)
    assert response.status_code == 200, response.text
    return {m["user_id"]: m["role"] for m in response.json()["items"]}


async def _my_spaces(client: AsyncClient, user: TestUser) -> dict[str, str]:
    response = await client.get(f"{API}/spaces", headers=user.headers)
    assert response.status_code == 200, response.text
    return {s["id"]: s["role"] for s in response.json()["items"]}


async def _pending(client: AsyncClient, user: TestUser, space_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/spaces/{space_id}/invitations", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# Invitations


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
async def test_invited_user_joins_with_the_invited_role_and_the_link_works_once(
    client: AsyncClient, inbox: Inbox, role: str
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    space = await create_space(client, alice, kind="building", name="Maple St")
    assert space["role"] == "owner"
    assert space["kind"] == "building"

    response = await client.post(
        f"{API}/spaces/{space['id']}/invitations",
        json={"email": bob.email, "role": role},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    invitation = response.json()
    assert invitation["email"] == bob.email
    assert invitation["role"] == role
    assert invitation["status"] == "pending"
    assert invitation["space_id"] == space["id"]
    assert [i["id"] for i in await _pending(client, alice, space["id"])] == [invitation["id"]]

    mail = await inbox.wait_for(bob.email, "invited you to")
    assert "Maple St" in mail["Subject"]
    match = _ACCEPT_LINE.search(_body_text(mail))
    assert match is not None, _body_text(mail)
    token = match.group(1)

    # The invitation alone does not make Bob a member.
    _problem(
        await client.get(f"{API}/spaces/{space['id']}", headers=bob.headers),
        404,
        "space_not_found",
    )

    preview = await client.get(f"{API}/invitations/{token}", headers=bob.headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["space_id"] == space["id"]
    assert preview.json()["space_name"] == "Maple St"
    assert preview.json()["space_kind"] == "building"
    assert preview.json()["role"] == role
    assert preview.json()["invited_by"] == "Alice"

    accepted = await client.post(f"{API}/invitations/{token}/accept", headers=bob.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == space["id"]
    assert accepted.json()["role"] == role

    assert await _my_spaces(client, bob) == {space["id"]: role}
    seen = await client.get(f"{API}/spaces/{space['id']}", headers=bob.headers)
    assert seen.status_code == 200
    assert seen.json()["role"] == role
    assert await _members(client, alice, space["id"]) == {
        str(alice.id): "owner",
        str(bob.id): role,
    }
    assert await _pending(client, alice, space["id"]) == []

    # Used once, the link is dead for everyone, including a third person who got hold of it.
    carol = await signup(client)
    for user in (bob, carol):
        _problem(
            await client.post(f"{API}/invitations/{token}/accept", headers=user.headers),
            404,
            "invitation_not_found",
        )
        _problem(
            await client.get(f"{API}/invitations/{token}", headers=user.headers),
            404,
            "invitation_not_found",
        )
    assert await _my_spaces(client, carol) == {}
    assert await _members(client, alice, space["id"]) == {
        str(alice.id): "owner",
        str(bob.id): role,
    }


async def test_invitation_links_need_a_signed_in_user(client: AsyncClient, inbox: Inbox) -> None:
    alice = await signup(client)
    bob = await signup(client)
    space = await create_space(client, alice)
    _, token = await _invite(client, inbox, alice, space["id"], bob.email)
    assert (await client.get(f"{API}/invitations/{token}")).status_code == 401
    assert (await client.post(f"{API}/invitations/{token}/accept")).status_code == 401
    # The invitation is still usable afterwards.
    accepted = await client.post(f"{API}/invitations/{token}/accept", headers=bob.headers)
    assert accepted.status_code == 200, accepted.text


async def test_a_stranger_gets_404_on_every_url_of_a_space_and_changes_nothing(
    client: AsyncClient, inbox: Inbox
) -> None:
    alice = await signup(client)
    bob = await signup(client)
    stranger = await signup(client)
    space = await create_space(client, alice, name="Private")
    await _join(client, inbox, alice, space["id"], bob, "editor")
    pending, _ = await _invite(client, inbox, alice, space["id"], "pending@example.com", "viewer")
    sid = space["id"]

    async def alices_view() -> tuple[Any, Any, Any]:
        got = await client.get(f"{API}/spaces/{sid}", headers=alice.headers)
        members = await client.get(f"{API}/spaces/{sid}/members", headers=alice.headers)
        invitations = await client.get(f"{API}/spaces/{sid}/invitations", headers=alice.headers)
        assert {got.status_code, members.status_code, invitations.status_code} == {200}
        return got.json(), members.json(), invitations.json()

    before = await alices_view()
    assert len(before[1]["items"]) == 2
    assert len(before[2]["items"]) == 1

    stranger_invitee = f"friend-of-stranger-{uuid.uuid4().hex[:8]}@example.com"
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/spaces/{sid}", None),
        ("PATCH", f"/spaces/{sid}", {"name": "Taken over"}),
        ("DELETE", f"/spaces/{sid}", None),
        ("GET", f"/spaces/{sid}/members", None),
        ("PATCH", f"/spaces/{sid}/members/{bob.id}", {"role": "viewer"}),
        ("PATCH", f"/spaces/{sid}/members/{alice.id}", {"role": "viewer"}),
        ("PATCH", f"/spaces/{sid}/members/{stranger.id}", {"role": "admin"}),
        ("DELETE", f"/spaces/{sid}/members/{bob.id}", None),
        ("DELETE", f"/spaces/{sid}/members/{alice.id}", None),
        ("DELETE", f"/spaces/{sid}/members/{stranger.id}", None),
        ("GET", f"/spaces/{sid}/invitations", None),
        ("POST", f"/spaces/{sid}/invitations", {"email": stranger_invitee, "role": "viewer"}),
        ("POST", f"/spaces/{sid}/invitations", {"email": stranger.email, "role": "admin"}),
        ("DELETE", f"/spaces/{sid}/invitations/{pending['id']}", None),
        ("POST", f"/spaces/{sid}/transfer-ownership", {"user_id": str(stranger.id)}),
        ("POST", f"/spaces/{sid}/transfer-ownership", {"user_id": str(bob.id)}),
    ]
    for method, path, body in requests:
        response = await client.request(method, API + path, json=body, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "space_not_found", (method, path, response.text)

        # The same answer as for a space that does not exist: nothing reveals the space.
        missing = path.replace(sid, str(uuid.uuid4()))
        other = await client.request(method, API + missing, json=body, headers=stranger.headers)
        assert (other.status_code, other.json()["code"]) == (404, "space_not_found")

    assert await _my_spaces(client, stranger) == {}
    assert await alices_view() == before
    assert await _my_spaces(client, bob) == {sid: "editor"}
    _no_mail_to(inbox, stranger_invitee)
    assert not [
        m
        for m in inbox.messages
        if m["To"] == stranger.email and "invited you to" in (m["Subject"] or "")
    ]


async def test_declined_invitation_is_gone_and_does_not_join(
    client: AsyncClient, inbox: Inbox
) -> None:
    alice = await signup(client)
    bob = await signup(client)
    space = await create_space(client, alice)
    _, token = await _invite(client, inbox, alice, space["id"], bob.email)

    declined = await client.post(f"{API}/invitations/{token}/decline", headers=bob.headers)
    assert declined.status_code == 204, declined.text

    assert await _my_spaces(client, bob) == {}
    assert await _pending(client, alice, space["id"]) == []
    assert await _members(client, alice, space["id"]) == {str(alice.id): "owner"}
    for method, suffix in (("GET", ""), ("POST", "/accept"), ("POST", "/decline")):
        _problem(
            await client.request(method, f"{API}/invitations/{token}{suffix}", headers=bob.headers),
            404,
            "invitation_not_found",
        )


async def test_revoked_invitation_token_gives_404(client: AsyncClient, inbox: Inbox) -> None:
    alice = await signup(client)
    bob = await signup(client)
    space = await create_space(client, alice)
    invitation, token = await _invite(client, inbox, alice, space["id"], bob.email)

    revoked = await client.delete(
        f"{API}/spaces/{space['id']}/invitations/{invitation['id']}", headers=alice.headers
    )
    assert revoked.status_code == 204, revoked.text
    assert await _pending(client, alice, space["id"]) == []

    _problem(
        await client.get(f"{API}/invitations/{token}", headers=bob.headers),
        404,
        "invitation_not_found",
    )
    _problem(
        await client.post(f"{API}/invitations/{token}/accept", headers=bob.headers),
        404,
        "invitation_not_found",
    )
    assert await _my_spaces(client, bob) == {}
    # Revoking twice, or an invitation that never existed, is a 404 too.
    for invitation_id in (invitation["id"], str(uuid.uuid4())):
        _problem(
            await client.delete(
                f"{API}/spaces/{space['id']}/invitations/{invitation_id}", headers=alice.headers
            ),
            404,
            "invitation_not_found",
        )


async def test_expired_invitation_gives_404(
    client: AsyncClient, inbox: Inbox, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    bob = await signup(client)
    space = await create_space(client, alice)
    invitation, token = await _invite(client, inbox, alice, space["id"], bob.email)

    async with as_owner(connection):
        expired = await connection.execute(
            text(
                "UPDATE platform.space_invitations SET expires_at = now() - interval '1 minute' "
                "WHERE id = :id"
            ),
            {"id": invitation["id"]},
        )
    assert expired.rowcount == 1

    _problem(
        await client.get(f"{API}/invitations/{token}", headers=bob.headers),
        404,
        "invitation_not_found",
    )
    _problem(
        await client.post(f"{API}/invitations/{token}/accept", headers=bob.headers),
        404,
        "invitation_not_found",
    )
    assert await _my_spaces(client, bob) == {}
    assert await _members(client, alice, space["id"]) == {str(alice.id): "owner"}
    assert await _pending(client, alice, space["id"]) == []


async def test_the_nightly_job_deletes_invitations_nobody_can_answer_any_more(
    client: AsyncClient, inbox: Inbox, connection: AsyncConnection
) -> None:
    alice = await signup(client)
    space = await create_space(client, alice)
    invited = {name: await signup(client) for name in ("open", "expired", "declined", "accepted")}
    tokens = {}
    for name, person in invited.items():
        invitation, tokens[name] = await _invite(client, inbox, alice, space["id"], person.email)
        tokens[f"{name}-id"] = invitation["id"]
    await client.post(
        f"{API}/invitations/{tokens['declined']}/decline", headers=invited["declined"].headers
    )
    await client.post(
        f"{API}/invitations/{tokens['accepted']}/accept", headers=invited["accepted"].headers
    )
    revoked, _ = await _invite(client, inbox, alice, space["id"], "someone@example.com")
    await client.delete(
        f"{API}/spaces/{space['id']}/invitations/{revoked['id']}", headers=alice.headers
    )

    async with as_owner(connection):
        await connection.execute(
            text(
                "UPDATE platform.space_invitations SET expires_at = now() - interval '1 minute' "
                "WHERE id = :id"
            ),
            {"id": tokens["expired-id"]},
        )
        async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as db:
            purged = await purge_ended_invitations(db)
            await db.commit()
        left = await connection.scalars(
            text("SELECT id::text FROM platform.space_invitations WHERE space_id = :space_id"),
            {"space_id": space["id"]},
        )
        remaining = list(left)

    assert purged >= 4  # other tests' ended invitations may go too
    assert remaining == [tokens["open-id"]]
    accepted = await client.post(
        f"{API}/invitations/{tokens['open']}/accept", headers=invited["open"].headers
    )
    assert accepted.status_code == 200, accepted.text
    assert await _members(client, alice, space["id"]) == {
        str(alice.id): "owner",
        str(invited["accepted"].id): "editor",
        str(invited["open"].id): "editor",
    }


async def test_inviting_a_member_is_a_conflict(client: AsyncClient, inbox: Inbox) -> None:
    alice = await signup(client)
    bob = await signup(client)
    space = await create_space(client, alice)
    await _join(client, inbox, alice, space["id"], bob, "editor")

    for email in (bob.email, bob.email.upper(), alice.email):
        _problem(
            await client.post(
                f"{API}/spaces/{space['id']}/invitations",
                json={"email": email, "role": "viewer"},
                headers=alice.headers,
            ),
            409,
            "already_member",
        )
    assert await _pending(client, alice, space["id"]) == []
    assert await _members(client, alice, space["id"]) == {
        str(alice.id): "owner",
        str(bob.id): "editor",
    }


async def test_reinviting_a_pending_address_replaces_the_old_invitation(
    client: AsyncClient, inbox: Inbox
) -> None:
    alice = await signup(client)
    bob = await signup(client)
    space = await create_space(client, alice)
    first, old_token = await _invite(client, inbox, alice, space["id"], bob.email, "editor")
    second, new_token = await _invite(
        client, inbox, alice, space["id"], bob.email.upper(), "viewer", frozenset({old_token})
    )
    assert new_token != old_token
    assert second["id"] != first["id"]

    pending = await _pending(client, alice, space["id"])
    assert [(i["id"], i["email"], i["role"]) for i in pending] == [
        (second["id"], bob.email, "viewer")
    ]
    _problem(
        await client.get(f"{API}/invitations/{old_token}", headers=bob.headers),
        404,
        "invitation_not_found",
    )
    _problem(
        await client.post(f"{API}/invitations/{old_token}/accept", headers=bob.headers),
        404,
        "invitation_not_found",
    )
    preview = await client.get(f"{API}/invitations/{new_token}", headers=bob.headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["role"] == "viewer"
    accepted = await client.post(f"{API}/invitations/{new_token}/accept", headers=bob.headers)
    assert accepted.status_code == 200, accepted.text
    assert await _my_spaces(client, bob) == {space["id"]: "viewer"}


async def test_invitations_and_members_are_managed_only_through_their_own_space(
    client: AsyncClient, inbox: Inbox
) -> None:
    alice = await signup(client)
    bob = await signup(client)
    first = await create_space(client, alice, name="First")
    second = await create_space(client, alice, name="Second")
    await _join(client, inbox, alice, second["id"], bob, "editor")
    invitation, token = await _invite(
        client, inbox, alice, second["id"], f"guest-{uuid.uuid4().hex[:8]}@example.com"
    )

    _problem(
        await client.delete(
            f"{API}/spaces/{first['id']}/invitations/{invitation['id']}", headers=alice.headers
        ),
        404,
        "invitation_not_found",
    )
    _problem(
        await client.patch(
            f"{API}/spaces/{first['id']}/members/{bob.id}",
            json={"role": "viewer"},
            headers=alice.headers,
        ),
        404,
        "member_not_found",
    )
    _problem(
        await client.delete(f"{API}/spaces/{first['id']}/members/{bob.id}", headers=alice.headers),
        404,
        "member_not_found",
    )
    assert [i["id"] for i in await _pending(client, alice, second["id"])] == [invitation["id"]]
    assert await _members(client, alice, second["id"]) == {
        str(alice.id): "owner",
        str(bob.id): "editor",
    }
    assert (await client.get(f"{API}/invitations/{token}", headers=bob.headers)).json()[
        "space_id"
    ] == second["id"]


# Roles


async def _household(
    client: AsyncClient, inbox: Inbox
) -> tuple[str, TestUser, TestUser, TestUser, TestUser]:
    """A space with an owner, an admin, an editor and a viewer."""
    owner = await signup(client, name="Owner")
    admin = await signup(client, name="Admin")
    editor = await signup(client, name="Editor")
    viewer = await signup(client, name="Viewer")
    space = await create_space(client, owner, name="Household")
    for user, role in ((admin, "admin"), (editor, "editor"), (viewer, "viewer")):
        await _join(client, inbox, owner, space["id"], user, role)
    return space["id"], owner, admin, editor, viewer


async def test_viewer_cannot_rename_and_admin_can(client: AsyncClient, inbox: Inbox) -> None:
    sid, _owner, admin, editor, viewer = await _household(client, inbox)
    for user in (viewer, editor):
        _problem(
            await client.patch(f"{API}/spaces/{sid}", json={"name": "Mine"}, headers=user.headers),
            403,
            "role_not_allowed",
        )
    got = await client.get(f"{API}/spaces/{sid}", headers=viewer.headers)
    assert got.json()["name"] == "Household"

    renamed = await client.patch(
        f"{API}/spaces/{sid}", json={"name": "Our house"}, headers=admin.headers
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Our house"
    assert renamed.json()["role"] == "admin"
    got = await client.get(f"{API}/spaces/{sid}", headers=viewer.headers)
    assert got.json()["name"] == "Our house"


async def test_who_may_invite_whom(client: AsyncClient, inbox: Inbox) -> None:
    sid, owner, admin, editor, viewer = await _household(client, inbox)
    url = f"{API}/spaces/{sid}/invitations"
    for user in (editor, viewer):
        refused = f"refused-{uuid.uuid4().hex[:8]}@example.com"
        _problem(
            await client.post(url, json={"email": refused, "role": "viewer"}, headers=user.headers),
            403,
            "role_not_allowed",
        )
        _problem(await client.get(url, headers=user.headers), 403, "role_not_allowed")
        _no_mail_to(inbox, refused)

    too_high = f"too-high-{uuid.uuid4().hex[:8]}@example.com"
    _problem(
        await client.post(url, json={"email": too_high, "role": "admin"}, headers=admin.headers),
        403,
        "role_not_allowed",
    )
    newcomer = await signup(client)
    invitation, token = await _invite(client, inbox, admin, sid, newcomer.email, "editor")
    assert [i["id"] for i in await _pending(client, owner, sid)] == [invitation["id"]]
    accepted = await client.post(f"{API}/invitations/{token}/accept", headers=newcomer.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "editor"
    _no_mail_to(inbox, too_high)

    # The owner may invite an admin.
    await _invite(
        client, inbox, owner, sid, f"new-admin-{uuid.uuid4().hex[:8]}@example.com", "admin"
    )


async def test_role_changes_follow_rank(client: AsyncClient, inbox: Inbox) -> None:
    sid, owner, admin, editor, viewer = await _household(client, inbox)

    def member_url(user: TestUser) -> str:
        return f"{API}/spaces/{sid}/members/{user.id}"

    # The owner promotes the editor to admin; the admin cannot touch a fellow admin.
    promoted = await client.patch(member_url(editor), json={"role": "admin"}, headers=owner.headers)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "admin"
    for role in ("viewer", "editor"):
        _problem(
            await client.patch(member_url(editor), json={"role": role}, headers=admin.headers),
            403,
            "role_not_allowed",
        )
    # Nobody below the owner changes the owner, or removes them.
    _problem(
        await client.patch(member_url(owner), json={"role": "viewer"}, headers=admin.headers),
        403,
        "role_not_allowed",
    )
    _problem(await client.delete(member_url(owner), headers=admin.headers), 403, "role_not_allowed")
    # An admin manages editors and viewers, but cannot make anyone an admin.
    to_editor = await client.patch(
        member_url(viewer), json={"role": "editor"}, headers=admin.headers
    )
    assert to_editor.status_code == 200, to_editor.text
    _problem(
        await client.patch(member_url(viewer), json={"role": "admin"}, headers=admin.headers),
        403,
        "role_not_allowed",
    )
    # Editors and viewers manage nobody.
    _problem(
        await client.patch(member_url(admin), json={"role": "viewer"}, headers=viewer.headers),
        403,
        "role_not_allowed",
    )
    # Ownership moves only by transfer.
    _problem(
        await client.patch(member_url(admin), json={"role": "owner"}, headers=owner.headers),
        422,
        "validation_error",
    )
    # Changing someone who is not a member.
    stranger = await signup(client)
    _problem(
        await client.patch(member_url(stranger), json={"role": "viewer"}, headers=owner.headers),
        404,
        "member_not_found",
    )

    assert await _members(client, owner, sid) == {
        str(owner.id): "owner",
        str(admin.id): "admin",
        str(editor.id): "admin",
        str(viewer.id): "editor",
    }
    assert await _my_spaces(client, editor) == {sid: "admin"}


async def test_removing_members_and_leaving(client: AsyncClient, inbox: Inbox) -> None:
    sid, owner, admin, editor, viewer = await _household(client, inbox)

    def member_url(user: TestUser) -> str:
        return f"{API}/spaces/{sid}/members/{user.id}"

    _problem(
        await client.delete(member_url(viewer), headers=editor.headers), 403, "role_not_allowed"
    )
    removed = await client.delete(member_url(viewer), headers=admin.headers)
    assert removed.status_code == 204, removed.text
    _problem(
        await client.get(f"{API}/spaces/{sid}", headers=viewer.headers), 404, "space_not_found"
    )
    assert await _my_spaces(client, viewer) == {}
    _problem(
        await client.delete(member_url(viewer), headers=admin.headers), 404, "member_not_found"
    )

    left = await client.delete(member_url(editor), headers=editor.headers)
    assert left.status_code == 204, left.text
    assert await _my_spaces(client, editor) == {}
    _problem(
        await client.get(f"{API}/spaces/{sid}", headers=editor.headers), 404, "space_not_found"
    )

    _problem(
        await client.delete(member_url(owner), headers=owner.headers), 409, "owner_must_transfer"
    )
    assert await _members(client, owner, sid) == {str(owner.id): "owner", str(admin.id): "admin"}


async def test_transfer_ownership_then_delete(client: AsyncClient, inbox: Inbox) -> None:
    sid, owner, admin, editor, viewer = await _household(client, inbox)
    transfer_url = f"{API}/spaces/{sid}/transfer-ownership"
    _, pending_token = await _invite(
        client, inbox, owner, sid, f"later-{uuid.uuid4().hex[:8]}@example.com", "viewer"
    )

    _problem(
        await client.post(transfer_url, json={"user_id": str(editor.id)}, headers=admin.headers),
        403,
        "role_not_allowed",
    )
    stranger = await signup(client)
    _problem(
        await client.post(transfer_url, json={"user_id": str(stranger.id)}, headers=owner.headers),
        404,
        "member_not_found",
    )
    assert (await _members(client, owner, sid))[str(owner.id)] == "owner"

    moved = await client.post(transfer_url, json={"user_id": str(editor.id)}, headers=owner.headers)
    assert moved.status_code == 204, moved.text
    assert await _members(client, editor, sid) == {
        str(owner.id): "admin",
        str(admin.id): "admin",
        str(editor.id): "owner",
        str(viewer.id): "viewer",
    }
    assert await _my_spaces(client, owner) == {sid: "admin"}
    assert await _my_spaces(client, editor) == {sid: "owner"}

    # Only the (new) owner may delete.
    for user in (owner, admin, viewer):
        _problem(
            await client.delete(f"{API}/spaces/{sid}", headers=user.headers),
            403,
            "role_not_allowed",
        )
    deleted = await client.delete(f"{API}/spaces/{sid}", headers=editor.headers)
    assert deleted.status_code == 204, deleted.text

    for user in (owner, admin, editor, viewer):
        _problem(
            await client.get(f"{API}/spaces/{sid}", headers=user.headers), 404, "space_not_found"
        )
        _problem(
            await client.get(f"{API}/spaces/{sid}/members", headers=user.headers),
            404,
            "space_not_found",
        )
        assert await _my_spaces(client, user) == {}
    _problem(
        await client.delete(f"{API}/spaces/{sid}", headers=editor.headers), 404, "space_not_found"
    )
    # An invitation sent before the deletion no longer opens the space.
    _problem(
        await client.get(f"{API}/invitations/{pending_token}", headers=stranger.headers),
        404,
        "invitation_not_found",
    )
    _problem(
        await client.post(f"{API}/invitations/{pending_token}/accept", headers=stranger.headers),
        404,
        "invitation_not_found",
    )

    # The owner finds it among the deleted spaces and brings it back for everyone;
    # the admin may not.
    trash = await client.get(f"{API}/spaces", params={"deleted": True}, headers=editor.headers)
    assert [s["id"] for s in trash.json()["items"]] == [sid]
    _problem(
        await client.post(f"{API}/spaces/{sid}/restore", headers=owner.headers),
        403,
        "role_not_allowed",
    )
    restored = await client.post(f"{API}/spaces/{sid}/restore", headers=editor.headers)
    assert restored.status_code == 200, restored.text
    assert await _my_spaces(client, viewer) == {sid: "viewer"}
    _problem(
        await client.post(f"{API}/spaces/{sid}/restore", headers=editor.headers),
        404,
        "space_not_found",
    )


# Pagination


async def test_spaces_list_pages_through_a_cursor_in_creation_order(client: AsyncClient) -> None:
    alice = await signup(client)
    bob = await signup(client)
    created = [(await create_space(client, alice, name=f"Space {i}"))["id"] for i in range(5)]
    await create_space(client, bob, name="Not Alice's")

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get(f"{API}/spaces", params=params, headers=alice.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        assert len(page["items"]) == (2 if pages < 3 else 1)
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 3, "the last page still offered a next_cursor"
    assert pages == 3
    assert seen == created


async def test_spaces_list_filters_by_kind(client: AsyncClient) -> None:
    alice = await signup(client)
    home = await create_space(client, alice, kind="home", name="House")
    team = await create_space(client, alice, kind="team", name="Crew")
    for kind, expected in (("home", [home["id"]]), ("team", [team["id"]]), ("building", [])):
        response = await client.get(f"{API}/spaces", params={"kind": kind}, headers=alice.headers)
        assert response.status_code == 200, response.text
        assert [s["id"] for s in response.json()["items"]] == expected
    _problem(
        await client.get(f"{API}/spaces", params={"kind": "castle"}, headers=alice.headers),
        422,
        "validation_error",
    )


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["2024-01-01T00:00:00+00:00"]).encode()).decode(),
        base64.urlsafe_b64encode(
            json.dumps(["yesterday", "00000000-0000-4000-8000-000000000000"]).encode()
        ).decode(),
        base64.urlsafe_b64encode(json.dumps(["2024-01-01T00:00:00+00:00", "x"]).encode()).decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
async def test_garbage_cursor_is_a_400(client: AsyncClient, cursor: str) -> None:
    alice = await signup(client)
    await create_space(client, alice)
    _problem(
        await client.get(f"{API}/spaces", params={"cursor": cursor}, headers=alice.headers),
        400,
        "invalid_cursor",
    )


async def test_cursor_with_a_number_for_the_id_is_a_400(client: AsyncClient) -> None:
    alice = await signup(client)
    await create_space(client, alice)
    cursor = base64.urlsafe_b64encode(json.dumps(["2024-01-01T00:00:00+00:00", 7]).encode())
    _problem(
        await client.get(
            f"{API}/spaces", params={"cursor": cursor.decode()}, headers=alice.headers
        ),
        400,
        "invalid_cursor",
    )


@pytest.mark.parametrize("limit", [0, 101, 1000])
async def test_page_size_out_of_range_is_a_422(client: AsyncClient, limit: int) -> None:
    alice = await signup(client)
    _problem(
        await client.get(f"{API}/spaces", params={"limit": limit}, headers=alice.headers),
        422,
        "validation_error",
    )


# Audit


async def test_audit_trail_shows_admins_who_did_what_newest_first(
    client: AsyncClient, inbox: Inbox
) -> None:
    alice = await signup(client)
    bob = await signup(client)
    stranger = await signup(client)
    space = await create_space(client, alice)
    invitation, token = await _invite(client, inbox, alice, space["id"], bob.email, "editor")
    accepted = await client.post(f"{API}/invitations/{token}/accept", headers=bob.headers)
    assert accepted.status_code == 200, accepted.text
    # A refused attempt leaves no trace.
    refused = await client.patch(
        f"{API}/spaces/{space['id']}", json={"name": "x"}, headers=stranger.headers
    )
    assert refused.status_code == 404

    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(
            f"{API}/spaces/{space['id']}/audit", params=params, headers=alice.headers
        )
        assert page.status_code == 200, page.text
        entries += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [(e["action"], e["actor_id"], e["target_type"], e["target_id"]) for e in entries] == [
        ("invitation.accepted", str(bob.id), "invitation", invitation["id"]),
        ("invitation.created", str(alice.id), "invitation", invitation["id"]),
        ("space.created", str(alice.id), "space", space["id"]),
    ]
    assert entries[1]["details"] == {"email": bob.email, "role": "editor"}

    # Editors may not read it; outsiders do not learn the space exists.
    _problem(
        await client.get(f"{API}/spaces/{space['id']}/audit", headers=bob.headers),
        403,
        "role_not_allowed",
    )
    _problem(
        await client.get(f"{API}/spaces/{space['id']}/audit", headers=stranger.headers),
        404,
        "space_not_found",
    )
