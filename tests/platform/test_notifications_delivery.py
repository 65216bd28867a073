"""Notifications delivered by the worker to real peers: an SMTP server (aiosmtpd) and a
local push service that checks VAPID and decrypts what it receives (RFC 8291)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from commonhold.platform.jobs import defer_in_transaction
from commonhold.platform.mail.senders import SEND_ATTEMPTS
from commonhold.platform.notify.service import notify
from commonhold.platform.notify.tasks import send_digests
from tests.conftest import _free_port
from tests.factories import TestUser
from tests.live import LiveWorld
from tests.mail import Inbox, mail_part
from tests.platform.push_service import PushService, Subscriber

DUE_TODAY = "homes.task_due_today"
DATA = {
    "task": "Replace the furnace filter",
    "home": "Maple Street",
    "room": "Basement",
    "due_date": "2026-12-01",
    "days_before": 0,
    "task_id": str(uuid.uuid4()),
    "home_id": str(uuid.uuid4()),
}


async def _notify(
    live: LiveWorld, user: TestUser, key: str = "k1", kind: str = DUE_TODAY, **data: Any
) -> list[uuid.UUID]:
    async with live.system.sessionmaker() as session, session.begin():
        return await notify(session, [user.id], kind, {**DATA, **data}, key)


async def _deliveries(live: LiveWorld, user: TestUser) -> dict[str, tuple[Any, ...]]:
    rows = await live.execute(
        "SELECT channel, status, attempts, error, provider_response, scheduled_for "
        "FROM platform.notification_deliveries WHERE user_id = :user_id",
        user_id=user.id,
    )
    return {str(row[0]): row[1:] for row in rows}


def _mails_to(inbox: Inbox, user: TestUser) -> list[Message]:
    """What the user was sent besides the address check every signup mails."""
    return [
        message
        for message in inbox.messages
        if message["To"] == user.email and message["Subject"] != "Confirm your email address"
    ]


async def _subscribe(live: LiveWorld, user: TestUser, browser: Subscriber) -> None:
    response = await live.client.post(
        "/api/v1/notifications/push/subscriptions",
        json={
            "endpoint": browser.endpoint,
            "keys": {"p256dh": browser.p256dh, "auth": browser.auth},
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text


async def test_an_email_arrives_with_text_and_html_parts_once(
    live: LiveWorld, inbox: Inbox
) -> None:
    user = await live.user("Ada")
    assert len(await _notify(live, user)) == 1
    assert await _notify(live, user) == []  # the same event again: nobody hears twice
    await live.run_jobs()

    mail = await inbox.wait_for(user.email, "is due today")
    assert mail["Subject"] == "Replace the furnace filter is due today"
    assert "Where: Maple Street · Basement" in mail_part(mail, "text/plain")
    assert "<strong>Replace the furnace filter</strong>" in mail_part(mail, "text/html")
    assert len(_mails_to(inbox, user)) == 1
    status, attempts, error, response, _ = (await _deliveries(live, user))["email"]
    assert (status, attempts, error) == ("sent", 1, None)
    assert "OK" in response


async def test_what_people_typed_is_shown_never_run_as_a_template(
    live: LiveWorld, inbox: Inbox
) -> None:
    user = await live.user()
    await _notify(live, user, task="{{ 7 * 7 }} <b>filter</b>")
    await live.run_jobs()

    mail = await inbox.wait_for(user.email, "is due today")
    body = mail_part(mail, "text/html")
    assert "<strong>{{ 7 * 7 }} &lt;b&gt;filter&lt;/b&gt;</strong>" in body
    assert "49" not in body


async def test_a_push_message_arrives_signed_and_decryptable(live: LiveWorld) -> None:
    user = await live.user()
    async with PushService() as push:
        browser = push.subscribe()
        await _subscribe(live, user, browser)
        await _notify(live, user)
        await live.run_jobs()

    [received] = push.messages
    payload = json.loads(received.plaintext)
    assert payload["title"] == "Replace the furnace filter is due today"
    assert payload["body"] == "Maple Street · Basement"
    assert payload["type"] == DUE_TODAY
    assert received.claims["sub"] == live.settings.vapid_subject
    key = await live.client.get("/api/v1/notifications/push/public-key", headers=user.headers)
    assert received.public_key == key.json()["public_key"]
    assert (await _deliveries(live, user))["push"][:2] == ("sent", 1)


async def test_a_subscription_the_push_service_forgot_is_deactivated(live: LiveWorld) -> None:
    user = await live.user()
    async with PushService() as push:
        browser = push.subscribe()
        await _subscribe(live, user, browser)
        push.answer(browser, 410)
        await _notify(live, user)
        await live.run_jobs()

    status, attempts, error, response, _ = (await _deliveries(live, user))["push"]
    assert (status, attempts, error) == ("failed", 1, "push_refused")
    assert response.startswith("410")
    listed = await live.client.get("/api/v1/notifications/push/subscriptions", headers=user.headers)
    assert listed.json() == []


class Bouncer:
    """An SMTP server that refuses every recipient, as for an address that does not exist."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: object, session: object, envelope: object, address: str, options: object
    ) -> str:
        return "550 5.1.1 No such mailbox here"


@pytest.fixture
def bouncing_smtp_port() -> Iterator[int]:
    port = _free_port()
    controller = Controller(Bouncer(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


async def test_a_bounced_email_is_logged_and_not_retried(
    live: LiveWorld, bouncing_smtp_port: int
) -> None:
    bouncing = dataclasses.replace(
        live, settings=live.settings.model_copy(update={"smtp_port": bouncing_smtp_port})
    )
    user = await live.user()
    await _notify(live, user)
    await bouncing.run_jobs()

    status, attempts, error, response, _ = (await _deliveries(live, user))["email"]
    assert (status, attempts, error) == ("failed", 1, "bounced")
    assert response.startswith("550")
    assert "No such mailbox" in response
    jobs = await live.execute(
        "SELECT status::text FROM procrastinate_jobs WHERE task_name = 'notify.deliver' "
        "AND args->>'delivery_id' IN (SELECT id::text FROM platform.notification_deliveries "
        "WHERE user_id = :user_id AND channel = 'email')",
        user_id=user.id,
    )
    assert jobs == [("succeeded",)]


async def test_an_unreachable_mail_server_is_retried_then_given_up(live: LiveWorld) -> None:
    unreachable = dataclasses.replace(
        live, settings=live.settings.model_copy(update={"smtp_port": _free_port()})
    )
    user = await live.user()
    await _notify(live, user)
    await unreachable.run_jobs()
    status, attempts, error, _, _ = (await _deliveries(live, user))["email"]
    assert (status, attempts, error) == ("pending", 1, "unreachable")

    # The retry comes later (backoff); bring it forward, as the last attempt.
    await live.execute(
        "UPDATE platform.notification_deliveries SET attempts = :before_last "
        "WHERE user_id = :user_id AND channel = 'email'",
        before_last=SEND_ATTEMPTS - 1,
        user_id=user.id,
    )
    await live.execute(
        "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
        "AND task_name = 'notify.deliver' AND args->>'delivery_id' IN (SELECT id::text FROM "
        "platform.notification_deliveries WHERE user_id = :user_id)",
        user_id=user.id,
    )
    await unreachable.run_jobs()
    status, attempts, error, _, _ = (await _deliveries(live, user))["email"]
    assert (status, attempts, error) == ("failed", SEND_ATTEMPTS, "unreachable")


async def test_a_wording_with_a_missing_variable_fails_the_email_not_the_worker(
    live: LiveWorld, inbox: Inbox
) -> None:
    user = await live.user()
    await live.execute(
        "INSERT INTO platform.notification_templates "
        "(type, subject, summary, text_body, html_body) VALUES (:type, :subject, '', :text, "
        "'<p>x</p>') ON CONFLICT (type) DO UPDATE SET subject = excluded.subject, "
        "text_body = excluded.text_body",
        type=DUE_TODAY,
        subject="{{ task }} waits for {{ who_is_this }}",
        text="{{ task }}",
    )
    try:
        [notification_id] = await _notify(live, user)
        await live.run_jobs()
    finally:
        await live.execute(
            "DELETE FROM platform.notification_templates WHERE type = :type", type=DUE_TODAY
        )

    # In the app the built-in wording stands in; the email is marked, not retried.
    [(title,)] = await live.execute(
        "SELECT title FROM platform.notifications WHERE id = :id", id=notification_id
    )
    assert title == "Replace the furnace filter is due today"
    status, attempts, error, response, _ = (await _deliveries(live, user))["email"]
    assert (status, attempts, error) == ("failed", 1, "template_error")
    assert "who_is_this" in response
    assert _mails_to(inbox, user) == []


async def test_quiet_hours_hold_email_and_push_until_they_end(live: LiveWorld) -> None:
    user = await live.user()
    now = datetime.now(UTC)
    start, end = (now - timedelta(hours=1)).time(), (now + timedelta(hours=2)).time()
    response = await live.client.put(
        "/api/v1/notifications/schedule",
        json={"quiet_start": start.strftime("%H:%M"), "quiet_end": end.strftime("%H:%M")},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    await _notify(live, user)
    await live.run_jobs()

    deliveries = await _deliveries(live, user)
    expected_end = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    status, attempts, _, _, scheduled_for = deliveries["email"]
    assert (status, attempts) == ("pending", 0)
    assert abs(scheduled_for - expected_end) < timedelta(minutes=1)
    jobs = await live.execute(
        "SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = 'notify.deliver' "
        "AND args->>'delivery_id' IN (SELECT id::text FROM platform.notification_deliveries "
        "WHERE user_id = :user_id) AND status = 'todo'",
        user_id=user.id,
    )
    assert [row[0] for row in jobs] == [scheduled_for, scheduled_for]
    # In the app, at once.
    unread = await live.client.get("/api/v1/notifications/unread-count", headers=user.headers)
    assert unread.json() == {"unread": 1}


async def test_the_digest_gathers_what_waited_into_one_email(live: LiveWorld, inbox: Inbox) -> None:
    user = await live.user("Grace")
    chosen = await live.client.patch(
        f"/api/v1/notifications/preferences/{DUE_TODAY}",
        json={"channels": {"email": "digest", "push": "off"}},
        headers=user.headers,
    )
    assert chosen.status_code == 200, chosen.text
    await _notify(live, user, "first", task="Clean the gutters")
    await _notify(live, user, "second", task="Test the smoke alarms")
    # Both arrived before the last digest time (08:00 UTC, the default).
    await live.execute(
        "UPDATE platform.notification_deliveries SET created_at = now() - interval '1 day 1 hour' "
        "WHERE user_id = :user_id",
        user_id=user.id,
    )
    await live.run_jobs()
    assert _mails_to(inbox, user) == []  # a digest waits for its time

    for _ in range(2):  # the second run finds nothing left to send
        async with live.system.sessionmaker() as session, session.begin():
            await defer_in_transaction(session, send_digests, timestamp=0)
        await live.run_jobs()

    [digest] = _mails_to(inbox, user)
    assert digest["Subject"] == "Your digest: 2 notifications"
    body = mail_part(digest, "text/plain")
    assert "Hello Grace" in body
    assert "- Clean the gutters is due today" in body
    assert "- Test the smoke alarms is due today" in body
    assert (await _deliveries(live, user))["email"][:2] == ("sent", 1)
