"""Notifications through the HTTP API: the inbox, preferences, quiet hours, push subscriptions,
the delivery log and operators' wording, as the people using them would notice.

Notifications are created the way the platform creates them, with ``notify()`` on the system
role (``as_owner``); the jobs it defers stay in the test's rolled-back transaction.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx import ASGITransport, AsyncClient, Response
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.platform.db.server import DatabaseUrls
from commonhold.platform.db.session import Database
from commonhold.platform.notify.service import notify
from commonhold.platform.notify.types import NOTIFICATION_TYPES
from commonhold.settings import Settings
from tests.conftest import as_owner, delivering_mail
from tests.factories import TestUser, create_space, signup

API = "/api/v1"
INBOX = f"{API}/notifications"
DUE_TODAY = "homes.task_due_today"
ASSIGNED = "homes.task_assigned"
DIGEST = "notify.digest"


def _problem(response: Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.text


def _task(name: str, room: str = "Roof") -> dict[str, Any]:
    return {"task": name, "home": "Maple Street", "room": room}


async def _notify(
    connection: AsyncConnection,
    database: Database,
    users: list[TestUser],
    data: dict[str, Any],
    type_key: str = DUE_TODAY,
    dedupe_key: str | None = None,
    space_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """What a job or an event subscriber does: notify on the system role, and commit."""
    async with as_owner(connection), database.sessionmaker() as session:
        created = await notify(
            session,
            [user.id for user in users],
            type_key,
            data,
            dedupe_key or uuid.uuid4().hex,
            space_id,
        )
        await session.commit()
    return created


async def _make_operator(connection: AsyncConnection, user: TestUser) -> None:
    async with as_owner(connection):
        await connection.execute(
            text("UPDATE platform.users SET is_operator = true WHERE id = :u"), {"u": user.id}
        )


async def _titles(client: AsyncClient, user: TestUser, query: str = "") -> list[str]:
    response = await client.get(f"{INBOX}{query}", headers=user.headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def _unread(client: AsyncClient, user: TestUser) -> int:
    response = await client.get(f"{INBOX}/unread-count", headers=user.headers)
    assert response.status_code == 200, response.text
    count: int = response.json()["unread"]
    return count


async def _deliveries(client: AsyncClient, user: TestUser, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"{INBOX}/deliveries{query}", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _channels_of(deliveries: list[dict[str, Any]], notification_id: uuid.UUID) -> dict[str, str]:
    return {
        d["channel"]: d["status"]
        for d in deliveries
        if d["notification_id"] == str(notification_id)
    }


# The inbox


async def test_the_inbox_lists_newest_first_a_page_at_a_time(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    space = await create_space(client, alice, kind="home", name="Maple Street")
    for name in ("Clean gutters", "Bleed radiators", "Test smoke alarm"):
        await _notify(connection, database, [alice], _task(name), space_id=uuid.UUID(space["id"]))

    first = await client.get(f"{INBOX}?limit=2", headers=alice.headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [n["title"] for n in page["items"]] == [
        "Test smoke alarm is due today",
        "Bleed radiators is due today",
    ]
    newest = page["items"][0]
    assert newest["type"] == DUE_TODAY
    assert newest["body"] == "Maple Street · Roof"
    assert newest["data"] == _task("Test smoke alarm")
    assert newest["space_id"] == space["id"]
    assert newest["read_at"] is None
    assert page["next_cursor"] is not None

    second = await client.get(
        f"{INBOX}?limit=2&cursor={page['next_cursor']}", headers=alice.headers
    )
    assert second.status_code == 200, second.text
    assert [n["title"] for n in second.json()["items"]] == ["Clean gutters is due today"]
    assert second.json()["next_cursor"] is None

    _problem(
        await client.get(f"{INBOX}?cursor=not-a-cursor", headers=alice.headers),
        400,
        "invalid_cursor",
    )
    assert (await client.get(INBOX)).status_code == 401


async def test_reading_one_and_reading_all_bring_the_unread_count_to_zero(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    ids = [
        (await _notify(connection, database, [alice], _task(name)))[0]
        for name in ("Clean gutters", "Bleed radiators", "Test smoke alarm")
    ]
    assert await _unread(client, alice) == 3

    read = await client.post(f"{INBOX}/{ids[1]}/read", headers=alice.headers)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == str(ids[1])
    read_at = read.json()["read_at"]
    assert read_at is not None
    # Reading it again changes nothing, not even when it was read.
    again = await client.post(f"{INBOX}/{ids[1]}/read", headers=alice.headers)
    assert again.json()["read_at"] == read_at

    assert await _unread(client, alice) == 2
    assert await _titles(client, alice, "?unread=true") == [
        "Test smoke alarm is due today",
        "Clean gutters is due today",
    ]
    assert len(await _titles(client, alice)) == 3

    marked = await client.post(f"{INBOX}/read-all", headers=alice.headers)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"marked": 2}
    assert await _unread(client, alice) == 0
    assert await _titles(client, alice, "?unread=true") == []
    assert len(await _titles(client, alice)) == 3
    assert (await client.post(f"{INBOX}/read-all", headers=alice.headers)).json() == {"marked": 0}


async def test_nobody_sees_or_reads_another_persons_notifications(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    [alices] = await _notify(connection, database, [alice], _task("Alice's secret"))
    await _notify(connection, database, [bob], _task("Bob's chore"))

    assert await _titles(client, bob) == ["Bob's chore is due today"]
    _problem(
        await client.post(f"{INBOX}/{alices}/read", headers=bob.headers),
        404,
        "notification_not_found",
    )
    _problem(
        await client.post(f"{INBOX}/{uuid.uuid4()}/read", headers=bob.headers),
        404,
        "notification_not_found",
    )
    # Bob reading all of his leaves Alice's alone.
    assert (await client.post(f"{INBOX}/read-all", headers=bob.headers)).json() == {"marked": 1}
    assert await _unread(client, alice) == 1
    assert await _titles(client, alice, "?unread=true") == ["Alice's secret is due today"]


async def test_notifications_not_meant_for_the_app_stay_out_of_the_inbox(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client, name="Alice")
    hidden = uuid.uuid4()
    async with as_owner(connection):
        await connection.execute(
            text(
                "INSERT INTO platform.notifications (id, user_id, type, dedupe_key, title, body, "
                "data, in_app, created_at) VALUES (:id, :u, :t, 'k', 'Email only', '', '{}', "
                "false, now())"
            ),
            {"id": hidden, "u": alice.id, "t": DUE_TODAY},
        )
    assert await _titles(client, alice) == []
    assert await _titles(client, alice, "?unread=true") == []
    assert await _unread(client, alice) == 0
    _problem(
        await client.post(f"{INBOX}/{hidden}/read", headers=alice.headers),
        404,
        "notification_not_found",
    )
    assert (await client.post(f"{INBOX}/read-all", headers=alice.headers)).json() == {"marked": 0}


async def test_the_same_event_notifies_each_person_once(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    first = await _notify(connection, database, [alice], _task("Clean gutters"), dedupe_key="t1")
    assert len(first) == 1
    repeat = await _notify(
        connection, database, [alice, bob], _task("Clean gutters"), dedupe_key="t1"
    )
    # Alice already had it; Bob had not.
    assert len(repeat) == 1
    assert repeat != first
    assert await _titles(client, alice) == ["Clean gutters is due today"]
    assert await _titles(client, bob) == ["Clean gutters is due today"]
    assert sorted(d["channel"] for d in await _deliveries(client, alice)) == ["email", "push"]
    # Another key is another notification.
    await _notify(connection, database, [alice], _task("Clean gutters"), dedupe_key="t2")
    assert len(await _titles(client, alice)) == 2


# Preferences


async def test_preferences_list_every_type_with_its_defaults(client: AsyncClient) -> None:
    alice = await signup(client, name="Alice")
    response = await client.get(f"{INBOX}/preferences", headers=alice.headers)
    assert response.status_code == 200, response.text
    types = {entry["type"]: entry for entry in response.json()}
    assert [entry["type"] for entry in response.json()] == sorted(types)
    assert set(types) == set(NOTIFICATION_TYPES)
    assert {DUE_TODAY, ASSIGNED, DIGEST, "homes.task_due_soon"} <= set(types)
    everywhere = {"in_app": "immediate", "email": "immediate", "push": "immediate"}
    assert types[DUE_TODAY]["channels"] == everywhere
    assert types[DUE_TODAY]["description"] == "A maintenance task is due today"
    assert types[ASSIGNED]["channels"] == {
        "in_app": "immediate",
        "email": "off",
        "push": "immediate",
    }
    assert types[DIGEST]["channels"] == {"in_app": "off", "email": "immediate", "push": "off"}


async def test_changing_a_preference_keeps_the_other_channels_and_other_people(
    client: AsyncClient,
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    url = f"{INBOX}/preferences/{DUE_TODAY}"
    changed = await client.patch(
        url, json={"channels": {"email": "digest", "push": "off"}}, headers=alice.headers
    )
    assert changed.status_code == 200, changed.text
    chosen = {"in_app": "immediate", "email": "digest", "push": "off"}
    assert changed.json()["type"] == DUE_TODAY
    assert changed.json()["channels"] == chosen

    listed = await client.get(f"{INBOX}/preferences", headers=alice.headers)
    by_type = {entry["type"]: entry["channels"] for entry in listed.json()}
    assert by_type[DUE_TODAY] == chosen
    assert by_type["homes.task_due_soon"]["email"] == "immediate"
    # Changing it again overwrites, channel by channel.
    again = await client.patch(url, json={"channels": {"push": "immediate"}}, headers=alice.headers)
    assert again.json()["channels"] == {**chosen, "push": "immediate"}

    bobs = await client.get(f"{INBOX}/preferences", headers=bob.headers)
    assert {e["type"]: e["channels"] for e in bobs.json()}[DUE_TODAY]["email"] == "immediate"


async def test_impossible_preferences_are_refused(client: AsyncClient) -> None:
    alice = await signup(client, name="Alice")
    url = f"{INBOX}/preferences/{DUE_TODAY}"
    for channel in ("push", "in_app"):
        _problem(
            await client.patch(
                url, json={"channels": {"email": "off", channel: "digest"}}, headers=alice.headers
            ),
            400,
            "digest_needs_email",
        )
    _problem(
        await client.patch(
            f"{INBOX}/preferences/homes.no_such_thing",
            json={"channels": {"email": "off"}},
            headers=alice.headers,
        ),
        404,
        "notification_type_unknown",
    )
    for body in ({"channels": {"email": "loudly"}}, {"channels": {"fax": "off"}}, {}):
        response = await client.patch(url, json=body, headers=alice.headers)
        assert response.status_code == 422, (body, response.text)
    # Nothing of the refused changes stuck, not even the valid half of a refused one.
    listed = await client.get(f"{INBOX}/preferences", headers=alice.headers)
    assert {e["type"]: e["channels"] for e in listed.json()}[DUE_TODAY] == {
        "in_app": "immediate",
        "email": "immediate",
        "push": "immediate",
    }


async def test_notify_follows_each_persons_preferences(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    url = f"{INBOX}/preferences/{DUE_TODAY}"
    response = await client.patch(
        url, json={"channels": {"email": "digest", "push": "off"}}, headers=alice.headers
    )
    assert response.status_code == 200, response.text

    [for_alice] = await _notify(connection, database, [alice], _task("Clean gutters"))
    [for_bob] = await _notify(connection, database, [bob], _task("Clean gutters"))
    alices = await _deliveries(client, alice)
    assert _channels_of(alices, for_alice) == {"email": "digest"}
    assert [d["scheduled_for"] for d in alices] == [None]
    assert _channels_of(await _deliveries(client, bob), for_bob) == {
        "email": "pending",
        "push": "pending",
    }
    assert await _titles(client, alice) == ["Clean gutters is due today"]

    # In-app off: still mailed in the digest, never in the inbox.
    response = await client.patch(url, json={"channels": {"in_app": "off"}}, headers=alice.headers)
    assert response.status_code == 200, response.text
    [quiet] = await _notify(connection, database, [alice], _task("Bleed radiators"))
    assert await _titles(client, alice) == ["Clean gutters is due today"]
    assert await _unread(client, alice) == 1
    assert _channels_of(await _deliveries(client, alice), quiet) == {"email": "digest"}

    # A type that does not mail by default does not, unless asked to.
    assigned = {**_task("Clean gutters"), "due_date": None, "assigner": "Grace"}
    [default] = await _notify(connection, database, [bob], assigned, type_key=ASSIGNED)
    assert _channels_of(await _deliveries(client, bob), default) == {"push": "pending"}
    response = await client.patch(
        f"{INBOX}/preferences/{ASSIGNED}",
        json={"channels": {"email": "immediate", "push": "off"}},
        headers=bob.headers,
    )
    assert response.status_code == 200, response.text
    [chosen] = await _notify(connection, database, [bob], assigned, type_key=ASSIGNED)
    assert _channels_of(await _deliveries(client, bob), chosen) == {"email": "pending"}
    assert (await _titles(client, bob))[0] == "Grace assigned you Clean gutters"


# Quiet hours and the digest time


async def test_the_schedule_is_read_and_set_in_the_accounts_timezone(client: AsyncClient) -> None:
    alice = await signup(client, name="Alice")
    url = f"{INBOX}/schedule"
    default = await client.get(url, headers=alice.headers)
    assert default.status_code == 200, default.text
    assert default.json() == {
        "quiet_start": None,
        "quiet_end": None,
        "digest_time": "08:00:00",
        "timezone": "UTC",
    }
    moved = await client.patch(
        f"{API}/me", json={"timezone": "Europe/Berlin"}, headers=alice.headers
    )
    assert moved.status_code == 200, moved.text

    chosen = {"quiet_start": "22:00", "quiet_end": "07:00", "digest_time": "18:30"}
    saved = await client.put(url, json=chosen, headers=alice.headers)
    assert saved.status_code == 200, saved.text
    expected = {
        "quiet_start": "22:00:00",
        "quiet_end": "07:00:00",
        "digest_time": "18:30:00",
        "timezone": "Europe/Berlin",
    }
    assert saved.json() == expected
    assert (await client.get(url, headers=alice.headers)).json() == expected

    for half in ({"quiet_start": "22:00"}, {"quiet_end": "07:00"}):
        _problem(
            await client.put(url, json=half, headers=alice.headers), 400, "quiet_hours_incomplete"
        )
    assert (await client.get(url, headers=alice.headers)).json() == expected
    # Times are the person's own wall-clock times: no offsets, no seconds since midnight.
    for wrong in ("25:00", "22:00Z", "22:00:00+02:00", 0, "7 pm"):
        response = await client.put(
            url,
            json={"quiet_start": "21:00", "quiet_end": "07:00", "digest_time": wrong},
            headers=alice.headers,
        )
        assert response.status_code == 422, (wrong, response.text)
    assert (await client.get(url, headers=alice.headers)).json() == expected

    # No quiet hours any more; the digest time goes back to its default when left out.
    cleared = await client.put(url, json={}, headers=alice.headers)
    assert cleared.json() == {
        **expected,
        "quiet_start": None,
        "quiet_end": None,
        "digest_time": "08:00:00",
    }


async def _scheduled_job_at(connection: AsyncConnection, delivery_id: str) -> datetime | None:
    async with as_owner(connection):
        at: datetime | None = (
            await connection.execute(
                text(
                    "SELECT scheduled_at FROM procrastinate_jobs "
                    "WHERE task_name = 'notify.deliver' AND args->>'delivery_id' = :id"
                ),
                {"id": delivery_id},
            )
        ).scalar_one()
    return at


async def test_quiet_hours_hold_email_and_push_until_they_end(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    zone = "Asia/Tokyo"  # no daylight saving time: the end is exactly two hours away
    response = await client.patch(f"{API}/me", json={"timezone": zone}, headers=alice.headers)
    assert response.status_code == 200, response.text
    now = datetime.now(ZoneInfo(zone))
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    response = await client.put(
        f"{INBOX}/schedule",
        json={
            "quiet_start": start.isoformat("minutes"),
            "quiet_end": end.time().isoformat("minutes"),
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text

    [held] = await _notify(connection, database, [alice], _task("Clean gutters"))
    # In the app at once; outside it, once the quiet hours end.
    assert await _titles(client, alice) == ["Clean gutters is due today"]
    deliveries = [d for d in await _deliveries(client, alice) if d["notification_id"] == str(held)]
    assert sorted(d["channel"] for d in deliveries) == ["email", "push"]
    for delivery in deliveries:
        assert delivery["status"] == "pending"
        assert datetime.fromisoformat(delivery["scheduled_for"]) == end
        assert await _scheduled_job_at(connection, delivery["id"]) == end


async def test_outside_quiet_hours_nothing_waits(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    now = datetime.now(ZoneInfo("UTC"))
    later = [(now + timedelta(hours=h)).time().isoformat("minutes") for h in (2, 3)]
    response = await client.put(
        f"{INBOX}/schedule",
        json={"quiet_start": later[0], "quiet_end": later[1]},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    [sent] = await _notify(connection, database, [alice], _task("Clean gutters"))
    deliveries = [d for d in await _deliveries(client, alice) if d["notification_id"] == str(sent)]
    assert len(deliveries) == 2
    for delivery in deliveries:
        assert (delivery["status"], delivery["scheduled_for"]) == ("pending", None)
        assert await _scheduled_job_at(connection, delivery["id"]) is None


# Web Push subscriptions


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _browser_subscription(endpoint: str | None = None) -> dict[str, Any]:
    """What ``PushSubscription.toJSON()`` gives in a browser."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint or f"https://push.example.com/send/{uuid.uuid4().hex}",
        "expirationTime": None,
        "keys": {"p256dh": _b64(point), "auth": _b64(os.urandom(16))},
    }


SUBSCRIPTIONS = f"{INBOX}/push/subscriptions"


async def _endpoints(client: AsyncClient, user: TestUser) -> list[str]:
    response = await client.get(SUBSCRIPTIONS, headers=user.headers)
    assert response.status_code == 200, response.text
    return sorted(each["endpoint"] for each in response.json())


async def test_the_vapid_public_key_is_an_uncompressed_p256_point(client: AsyncClient) -> None:
    alice = await signup(client, name="Alice")
    response = await client.get(f"{INBOX}/push/public-key", headers=alice.headers)
    assert response.status_code == 200, response.text
    key = response.json()["public_key"]
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65
    assert raw[0] == 0x04
    # A browser could use it: it is a point on the curve.
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    bob = await signup(client, name="Bob")
    assert (await client.get(f"{INBOX}/push/public-key", headers=bob.headers)).json() == {
        "public_key": key
    }


async def test_a_browser_subscribes_once_and_unsubscribes(client: AsyncClient) -> None:
    alice = await signup(client, name="Alice")
    secure = _browser_subscription()
    loopback = _browser_subscription(f"http://127.0.0.1:9/push/{uuid.uuid4().hex}")
    created = await client.post(SUBSCRIPTIONS, json=secure, headers=alice.headers)
    assert created.status_code == 201, created.text
    assert created.json()["endpoint"] == secure["endpoint"]
    # Tests run a push service on loopback http; only the test environment allows it.
    plain = await client.post(SUBSCRIPTIONS, json=loopback, headers=alice.headers)
    assert plain.status_code == 201, plain.text
    assert await _endpoints(client, alice) == sorted([secure["endpoint"], loopback["endpoint"]])

    # The same browser again (its keys renewed): the same subscription.
    renewed = _browser_subscription(secure["endpoint"])
    again = await client.post(SUBSCRIPTIONS, json=renewed, headers=alice.headers)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == created.json()["id"]
    assert len(await _endpoints(client, alice)) == 2

    removed = await client.delete(f"{SUBSCRIPTIONS}/{created.json()['id']}", headers=alice.headers)
    assert removed.status_code == 204, removed.text
    assert await _endpoints(client, alice) == [loopback["endpoint"]]
    _problem(
        await client.delete(f"{SUBSCRIPTIONS}/{created.json()['id']}", headers=alice.headers),
        404,
        "push_subscription_not_found",
    )


@pytest.mark.parametrize(
    ("keys", "why"),
    [
        ({"p256dh": _b64(b"\x04" + os.urandom(63)), "auth": _b64(os.urandom(16))}, "64-byte key"),
        ({"p256dh": _b64(b"\x04" + os.urandom(65)), "auth": _b64(os.urandom(16))}, "66-byte key"),
        ({"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": _b64(os.urandom(15))}, "15-byte auth"),
        ({"p256dh": _b64(b"\x04" + os.urandom(64)), "auth": _b64(os.urandom(17))}, "17-byte auth"),
        ({"p256dh": "not base64 at all!", "auth": _b64(os.urandom(16))}, "not base64"),
        ({"p256dh": _b64(b"\x04" + os.urandom(64))}, "no auth"),
    ],
)
async def test_a_subscription_with_bad_keys_is_refused(
    client: AsyncClient, keys: dict[str, str], why: str
) -> None:
    alice = await signup(client, name="Alice")
    body = {**_browser_subscription(), "keys": keys}
    response = await client.post(SUBSCRIPTIONS, json=body, headers=alice.headers)
    assert response.status_code == 422, (why, response.text)
    assert await _endpoints(client, alice) == []


async def test_a_browser_subscribed_by_one_account_is_not_taken_by_another(
    client: AsyncClient,
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    subscription = _browser_subscription()
    created = await client.post(SUBSCRIPTIONS, json=subscription, headers=alice.headers)
    assert created.status_code == 201, created.text

    _problem(
        await client.post(SUBSCRIPTIONS, json=subscription, headers=bob.headers),
        409,
        "push_subscription_taken",
    )
    assert await _endpoints(client, bob) == []
    _problem(
        await client.delete(f"{SUBSCRIPTIONS}/{created.json()['id']}", headers=bob.headers),
        404,
        "push_subscription_not_found",
    )
    assert await _endpoints(client, alice) == [subscription["endpoint"]]


@pytest.fixture
async def production_client(
    settings: Settings,
    database: Database,
    database_urls: DatabaseUrls,
    connection: AsyncConnection,
) -> AsyncIterator[AsyncClient]:
    """The app as a production server configures it, on the test's transaction."""
    production = Settings(
        environment="production",
        secret_key=SecretStr("production-secret-key-that-is-long-enough-0123456789"),
        database_url=database_urls.owner,
        mailer="smtp",
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(settings=production, database=database)
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks=delivering_mail(connection, production),
    ) as http:
        yield http


async def test_outside_tests_a_push_endpoint_must_be_https(production_client: AsyncClient) -> None:
    alice = await signup(production_client, name="Alice")
    for endpoint in (
        f"http://push.example.com/send/{uuid.uuid4().hex}",
        f"ftp://push.example.com/send/{uuid.uuid4().hex}",
    ):
        _problem(
            await production_client.post(
                SUBSCRIPTIONS, json=_browser_subscription(endpoint), headers=alice.headers
            ),
            400,
            "push_endpoint_insecure",
        )
    assert await _endpoints(production_client, alice) == []
    secure = await production_client.post(
        SUBSCRIPTIONS, json=_browser_subscription(), headers=alice.headers
    )
    assert secure.status_code == 201, secure.text


# The delivery log


async def test_the_delivery_log_shows_only_ones_own_deliveries(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    alices = await _notify(connection, database, [alice], _task("Clean gutters"))
    bobs = await _notify(connection, database, [bob], _task("Mow the lawn"))
    response = await client.patch(
        f"{INBOX}/preferences/{DUE_TODAY}",
        json={"channels": {"email": "digest"}},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    alices += await _notify(connection, database, [alice], _task("Bleed radiators"))

    log = await _deliveries(client, alice)
    assert len(log) == 4
    assert {d["user_id"] for d in log} == {str(alice.id)}
    assert {d["notification_id"] for d in log} == {str(i) for i in alices}
    assert not {d["notification_id"] for d in log} & {str(i) for i in bobs}
    for delivery in log:
        assert (delivery["attempts"], delivery["sent_at"], delivery["error"]) == (0, None, None)
    # Newest first, and filtered by status.
    assert [d["notification_id"] for d in log[:2]] == [str(alices[1]), str(alices[1])]
    digest = await _deliveries(client, alice, "?status=digest")
    assert [(d["notification_id"], d["channel"]) for d in digest] == [(str(alices[1]), "email")]
    assert len(await _deliveries(client, alice, "?status=pending")) == 3
    assert await _deliveries(client, alice, "?status=sent") == []
    page = await client.get(f"{INBOX}/deliveries?limit=3", headers=alice.headers)
    rest = await client.get(
        f"{INBOX}/deliveries?limit=3&cursor={page.json()['next_cursor']}", headers=alice.headers
    )
    assert [d["id"] for d in page.json()["items"] + rest.json()["items"]] == [d["id"] for d in log]
    response = await client.get(f"{INBOX}/deliveries?status=lost", headers=alice.headers)
    assert response.status_code == 422, response.text


# Operators


TYPES = f"{API}/admin/notification-types"
REWORDED = {
    "subject": "Reminder: {{ task }} at {{ home }}",
    "summary": "{{ home }}",
    "text_body": "Please see to {{ task }}.",
    "html_body": "<p>Please see to {{ task }}.</p>",
}


async def test_only_operators_find_the_admin_endpoints(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    alice = await signup(client, name="Alice")
    for method, url, body in (
        ("GET", TYPES, None),
        ("PUT", f"{TYPES}/{DUE_TODAY}/wording", REWORDED),
        ("DELETE", f"{TYPES}/{DUE_TODAY}/wording", None),
        ("GET", f"{API}/admin/notification-deliveries", None),
        ("GET", f"{API}/admin/jobs/failed", None),
        ("GET", f"{API}/admin/jobs/failed/1", None),
        ("POST", f"{API}/admin/jobs/failed/1/retry", None),
        ("DELETE", f"{API}/admin/jobs/failed/1", None),
    ):
        response = await client.request(method, url, json=body, headers=alice.headers)
        _problem(response, 404, "not_found")
        assert (await client.request(method, url, json=body)).status_code == 401, url

    await _make_operator(connection, alice)
    assert (await client.get(TYPES, headers=alice.headers)).status_code == 200


async def test_operators_see_every_type_with_its_example(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    operator = await signup(client, name="Operator")
    await _make_operator(connection, operator)
    response = await client.get(TYPES, headers=operator.headers)
    assert response.status_code == 200, response.text
    types = {entry["type"]: entry for entry in response.json()}
    assert set(types) == set(NOTIFICATION_TYPES)
    assert [entry["type"] for entry in response.json()] == sorted(types)
    assert {entry["customized"] for entry in response.json()} == {False}
    due = types[DUE_TODAY]
    assert due["wording"]["subject"] == "{{ task }} is due today"
    assert due["example"]["task"] == "Replace the furnace filter"
    assert due["example"]["home"] == "Maple Street"
    assert types[ASSIGNED]["example"]["assigner"] == "Grace"
    assert types[DIGEST]["example"]["entries"] == [{"title": "Filter due today", "body": "Kitchen"}]


async def test_an_operators_wording_is_used_until_reset(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    operator = await signup(client, name="Operator")
    alice = await signup(client, name="Alice")
    await _make_operator(connection, operator)
    url = f"{TYPES}/{DUE_TODAY}/wording"

    saved = await client.put(url, json=REWORDED, headers=operator.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["customized"] is True
    assert saved.json()["wording"] == REWORDED
    listed = {e["type"]: e for e in (await client.get(TYPES, headers=operator.headers)).json()}
    assert listed[DUE_TODAY]["customized"] is True
    assert listed["homes.task_due_soon"]["customized"] is False

    await _notify(connection, database, [alice], _task("Clean gutters"))
    inbox = (await client.get(INBOX, headers=alice.headers)).json()["items"]
    assert [(n["title"], n["body"]) for n in inbox] == [
        ("Reminder: Clean gutters at Maple Street", "Maple Street")
    ]

    # A wording that cannot render is refused, and the last good one stays.
    for broken in (
        {**REWORDED, "subject": "{{ nope }} is due"},
        {**REWORDED, "html_body": "<p>{{ task.nope.deeper }}</p>"},
        {**REWORDED, "summary": "{% if task %}unclosed"},
    ):
        _problem(
            await client.put(url, json=broken, headers=operator.headers), 400, "wording_invalid"
        )
    listed = {e["type"]: e for e in (await client.get(TYPES, headers=operator.headers)).json()}
    assert listed[DUE_TODAY]["wording"] == REWORDED
    _problem(
        await client.put(
            f"{TYPES}/homes.no_such_thing/wording", json=REWORDED, headers=operator.headers
        ),
        404,
        "notification_type_unknown",
    )

    reset = await client.delete(url, headers=operator.headers)
    assert reset.status_code == 200, reset.text
    assert reset.json()["customized"] is False
    assert reset.json()["wording"]["subject"] == "{{ task }} is due today"
    await _notify(connection, database, [alice], _task("Bleed radiators"))
    assert await _titles(client, alice) == [
        "Bleed radiators is due today",
        "Reminder: Clean gutters at Maple Street",
    ]
    # Resetting what is not customized is harmless.
    assert (await client.delete(url, headers=operator.headers)).json()["customized"] is False


async def test_operators_see_everyones_deliveries(
    client: AsyncClient, connection: AsyncConnection, database: Database
) -> None:
    operator = await signup(client, name="Operator")
    alice = await signup(client, name="Alice")
    bob = await signup(client, name="Bob")
    await _make_operator(connection, operator)
    [for_alice] = await _notify(connection, database, [alice], _task("Clean gutters"))
    [for_bob] = await _notify(connection, database, [bob], _task("Mow the lawn"))
    url = f"{API}/admin/notification-deliveries"

    response = await client.get(f"{url}?limit=100", headers=operator.headers)
    assert response.status_code == 200, response.text
    seen = {(d["user_id"], d["notification_id"], d["channel"]) for d in response.json()["items"]}
    assert {
        (str(alice.id), str(for_alice), "email"),
        (str(alice.id), str(for_alice), "push"),
        (str(bob.id), str(for_bob), "email"),
        (str(bob.id), str(for_bob), "push"),
    } <= seen
    bobs = await client.get(f"{url}?user_id={bob.id}", headers=operator.headers)
    assert {(d["user_id"], d["notification_id"]) for d in bobs.json()["items"]} == {
        (str(bob.id), str(for_bob))
    }
    assert len(bobs.json()["items"]) == 2
    assert (
        await client.get(f"{url}?user_id={bob.id}&status=sent", headers=operator.headers)
    ).json()["items"] == []
    # Their own log stays their own, operator or not.
    assert await _deliveries(client, operator) == []


async def test_operators_list_failed_jobs(client: AsyncClient, connection: AsyncConnection) -> None:
    operator = await signup(client, name="Operator")
    await _make_operator(connection, operator)
    failed = await client.get(f"{API}/admin/jobs/failed", headers=operator.headers)
    assert failed.status_code == 200, failed.text
    assert len(failed.json()["items"]) <= 50
    for job in failed.json()["items"]:
        assert "failed" in [event["type"] for event in job["events"]], job
    filtered = await client.get(
        f"{API}/admin/jobs/failed?task=tests.no_such_task", headers=operator.headers
    )
    assert filtered.json() == {"items": [], "next_cursor": None}
    _problem(
        await client.get(f"{API}/admin/jobs/failed?cursor=x", headers=operator.headers),
        400,
        "invalid_cursor",
    )

    unknown = 2**62
    for method, url in (
        ("GET", f"{API}/admin/jobs/failed/{unknown}"),
        ("POST", f"{API}/admin/jobs/failed/{unknown}/retry"),
        ("DELETE", f"{API}/admin/jobs/failed/{unknown}"),
    ):
        _problem(
            await client.request(method, url, headers=operator.headers), 404, "failed_job_not_found"
        )
    response = await client.get(f"{API}/admin/jobs/failed/0", headers=operator.headers)
    assert response.status_code == 422, response.text
