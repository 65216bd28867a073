"""Mail the system sends (address checks, resets, invitations) is queued in the transaction of
the change that causes it and sent by the worker: never for a rolled-back change, always for a
committed one, even when the process that committed dies at once."""

from __future__ import annotations

import asyncio
import sys
import uuid

from commonhold.platform.mail import Email, queue_email
from tests.live import LiveWorld
from tests.mail import Inbox

DIE_AFTER_COMMIT = """
import asyncio, os, sys
from commonhold.platform.db.session import Database
from commonhold.platform.mail import Email, queue_email

async def main() -> None:
    database = Database.connect(sys.argv[1], pool_size=1)
    async with database.sessionmaker() as session, session.begin():
        await queue_email(session, Email(sys.argv[2], "Sent after all", "The body."))
    os._exit(0)  # gone the moment the transaction committed: nothing else runs

asyncio.run(main())
"""


async def _rows_for(live: LiveWorld, address: str) -> list[tuple[object, ...]]:
    return await live.execute(
        "SELECT status, attempts, text_body, provider_response FROM platform.outgoing_emails "
        "WHERE to_address = :address",
        address=address,
    )


async def test_signup_mail_is_sent_by_the_worker_and_its_link_not_kept(
    live: LiveWorld, inbox: Inbox
) -> None:
    user = await live.user()
    mail = await inbox.wait_for(user.email, "Confirm your email address")
    assert "/verify-email?token=" in str(mail.get_payload())
    [(status, attempts, body, response)] = await _rows_for(live, user.email)
    assert (status, attempts, body) == ("sent", 1, "")
    assert "OK" in str(response)


async def test_mail_of_a_rolled_back_change_is_never_sent(live: LiveWorld, inbox: Inbox) -> None:
    address = f"{uuid.uuid4().hex[:8]}@{live.domain}"
    async with live.system.sessionmaker() as session:
        await session.begin()
        await queue_email(session, Email(address, "Never", "Rolled back."))
        await session.rollback()
    await live.run_jobs()
    assert await _rows_for(live, address) == []
    assert [m for m in inbox.messages if m["To"] == address] == []


async def test_mail_committed_by_a_process_that_died_at_once_is_still_sent(
    live: LiveWorld, inbox: Inbox
) -> None:
    address = f"{uuid.uuid4().hex[:8]}@{live.domain}"
    died = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DIE_AFTER_COMMIT, live.urls.owner, address
    )
    assert await asyncio.wait_for(died.wait(), 60) == 0
    await live.run_jobs()
    mail = await inbox.wait_for(address, "Sent after all")
    assert mail.get_payload().strip() == "The body."  # type: ignore[union-attr]
    assert (await _rows_for(live, address))[0][:2] == ("sent", 1)
