"""The daily digest: one email, at the person's digest time, of what they chose to receive
that way."""

from __future__ import annotations

import uuid
from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.platform.db.base import utcnow
from commonhold.platform.identity.models import User
from commonhold.platform.mail import Email, Mailer
from commonhold.platform.mail.senders import SEND_ATTEMPTS, Attempt, send_email
from commonhold.platform.notify import repository as repo
from commonhold.platform.notify.models import NotificationSchedule
from commonhold.platform.notify.schedule import last_digest_moment
from commonhold.platform.notify.templates import WordingError, render, wording_of
from commonhold.platform.notify.types import NOTIFICATION_TYPES, Wording, notification_type

DEFAULT_DIGEST_TIME = time(8, 0)

DIGEST = notification_type(
    "notify.digest",
    "The daily digest of notifications chosen to arrive that way",
    Wording(
        subject="Your digest: {{ entries | length }} notification"
        "{{ 's' if entries | length != 1 }}",
        summary="{{ entries | length }} notifications since your last digest",
        text_body=(
            "Hello {{ name }},\n\nhere is what happened since your last digest:\n\n"
            "{% for entry in entries %}- {{ entry.title }}\n  {{ entry.body }}\n{% endfor %}"
        ),
        html_body=(
            "<p>Hello {{ name }},</p><p>here is what happened since your last digest:</p><ul>"
            "{% for entry in entries %}<li><strong>{{ entry.title }}</strong><br>"
            "{{ entry.body }}</li>{% endfor %}</ul>"
        ),
    ),
    example={"name": "Ada", "entries": [{"title": "Filter due today", "body": "Kitchen"}]},
    default_channels=frozenset({"email"}),
)


async def send_digest(session: AsyncSession, mailer: Mailer, user_id: uuid.UUID) -> int:
    """Send the user's digest if their digest time has passed since the entries waiting for
    it arrived; returns how many entries it carried. Entries arriving later wait for the
    next day's digest."""
    user = await session.get(User, user_id)
    if user is None:
        return 0
    schedule = await session.get(NotificationSchedule, user_id)
    digest_time = schedule.digest_time if schedule else DEFAULT_DIGEST_TIME
    moment = last_digest_moment(utcnow(), ZoneInfo(user.timezone), digest_time)
    rows = await repo.digest_entries(session, user_id, created_before=moment)
    if not rows:
        return 0
    data = {
        "name": user.display_name,
        "entries": [{"title": n.title, "body": n.body, "type": n.type} for _, n in rows],
    }
    try:
        rendered = render(await wording_of(session, NOTIFICATION_TYPES[DIGEST.key]), data)
    except WordingError as error:
        result = Attempt("failed", str(error), "template_error")
    else:
        email = Email(user.email, rendered.subject, rendered.text, rendered.html)
        result = await send_email(mailer, email)
    now = utcnow()
    for delivery, _ in rows:
        delivery.attempts += 1
        delivery.provider_response, delivery.error = result.response, result.error
        if result.status == "sent":
            delivery.status, delivery.sent_at = "sent", now
        elif result.status == "failed" or delivery.attempts >= SEND_ATTEMPTS:
            delivery.status = "failed"
    return len(rows) if result.status == "sent" else 0
