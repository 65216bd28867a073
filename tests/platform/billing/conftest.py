"""Billing's fixtures: a local Stripe, and the API configured to sell plans through it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from commonhold.settings import Settings
from tests.live import serving
from tests.platform.billing.factories import (
    PRICE_BASIC,
    PRICE_PREMIUM,
    SECRET_KEY,
    WEBHOOK_SECRET,
)
from tests.platform.billing.stripe_server import StripeServer


@pytest.fixture
async def stripe_server() -> AsyncIterator[tuple[StripeServer, str]]:
    server = StripeServer(SECRET_KEY, prices={PRICE_BASIC, PRICE_PREMIUM})
    async with serving(server.app()) as url:
        yield server, url


@pytest.fixture
def stripe(stripe_server: tuple[StripeServer, str]) -> StripeServer:
    return stripe_server[0]


@pytest.fixture
def billing_settings(settings: Settings, stripe_server: tuple[StripeServer, str]) -> Settings:
    return settings.model_copy(
        update={
            "stripe_secret_key": SecretStr(SECRET_KEY),
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "stripe_api_base": stripe_server[1],
            "stripe_price_basic": PRICE_BASIC,
            "stripe_price_premium": PRICE_PREMIUM,
            "stripe_success_url": "https://app.example.com/billing/done",
            "stripe_cancel_url": "https://app.example.com/billing",
            "stripe_portal_return_url": "https://app.example.com/settings",
        }
    )


@pytest.fixture
async def billing(billing_settings: Settings, database: Database) -> AsyncIterator[AsyncClient]:
    """The API with billing on, in the test's transaction. People sign up through ``client``
    (which delivers their mail); their tokens work here too."""
    app = create_app(settings=billing_settings, database=database)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        yield http
