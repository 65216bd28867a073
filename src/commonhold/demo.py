"""Demo data: two people sharing a furnished home and a workspace of task boards, so a fresh
install has something to look at.

The owner is on the basic plan, so the household can invite more people.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from commonhold.apps.boards.demo import seed_workspace
from commonhold.apps.homes.demo import seed_chores, seed_household
from commonhold.platform.authz import AuthSubject
from commonhold.platform.billing import limits
from commonhold.platform.db.session import Database, set_user_context
from commonhold.platform.identity import repository as identity_repo
from commonhold.platform.identity.models import User
from commonhold.platform.identity.service import create_user
from commonhold.platform.spaces.models import SpaceMember

DEMO_PASSWORD = "commonhold-demo"  # noqa: S105 - published demo credentials


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str


OWNER = DemoAccount("demo@example.com", "Dana Demo")
HOUSEMATE = DemoAccount("housemate@example.com", "Harper Housemate")


async def seed_demo(database: Database, owner_database: Database) -> bool:
    """Create the demo accounts and their home; False if they already exist.

    ``owner_database`` connects as the owner role, which alone may set a plan.
    """
    async with database.sessionmaker() as session, session.begin():
        await set_user_context(session, None)
        if await identity_repo.user_by_email(session, OWNER.email) is not None:
            return False
        owner = await _verified_user(session, OWNER)
        housemate = await _verified_user(session, HOUSEMATE)
        await set_user_context(session, owner.id)
        home = await seed_household(session, AuthSubject(owner.id))
        session.add(SpaceMember(space_id=home.id, user_id=housemate.id, role="editor"))
        await session.flush()
        await seed_chores(session, home.id, AuthSubject(owner.id), AuthSubject(housemate.id))
        await seed_workspace(session, AuthSubject(owner.id), AuthSubject(housemate.id))
    async with owner_database.sessionmaker() as session, session.begin():
        await limits.set_tier(session, owner.id, "basic")
    return True


async def _verified_user(session: AsyncSession, account: DemoAccount) -> User:
    user = await create_user(session, account.email, DEMO_PASSWORD, account.display_name)
    user.email_verified_at = user.created_at
    return user
