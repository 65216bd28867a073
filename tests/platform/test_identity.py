"""Accounts and sessions through the HTTP API: signup, login, token rotation, logout, bearer
tokens, emailed links, password reset, two-factor authentication and the profile."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import jwt
import pyotp
import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from commonhold.app import create_app
from commonhold.platform.db.session import Database
from commonhold.platform.identity.security import ACCESS_AUDIENCE, JWT_ALGORITHM, issue_access_token
from commonhold.settings import Settings
from tests.conftest import as_owner, delivering_mail, row_counts
from tests.factories import PASSWORD, TestUser, signup
from tests.live import LiveWorld
from tests.mail import VERIFY_LINE, VERIFY_SUBJECT, Inbox, mail_part

API = "/api/v1"
AUTH = f"{API}/auth"
ME = f"{API}/me"
NEW_PASSWORD = "a brand new passphrase"
RESET_SUBJECT = "Reset your password"
_RESET_LINE = re.compile(r"POST /api/v1/auth/password-reset/confirm: ([A-Za-z0-9_-]+)")


def _email() -> str:
    return f"identity-{uuid.uuid4().hex[:12]}@example.com"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, response.text
    assert body["status"] == status
    return body


def _plain(message: Message) -> str:
    return mail_part(message, "text/plain")


def _without_request_fields(problem: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in problem.items() if key not in {"instance", "request_id"}}


async def _reset_token(client: AsyncClient, inbox: Inbox, to: str) -> str:
    response = await client.post(f"{AUTH}/password-reset", json={"email": to})
    assert response.status_code == 202, response.text
    return (await inbox.tokens(to, RESET_SUBJECT, _RESET_LINE))[0]


async def _login(
    client: AsyncClient, email: str, password: str = PASSWORD, totp_code: str | None = None
) -> Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if totp_code is not None:
        body["totp_code"] = totp_code
    return await client.post(f"{AUTH}/login", json=body)


async def _refresh(client: AsyncClient, refresh_token: str) -> Response:
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": refresh_token})


async def _me(client: AsyncClient, access_token: str) -> dict[str, Any]:
    response = await client.get(ME, headers=_bearer(access_token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _assert_token_pair(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["access_token"]
    assert body["refresh_token"]
    return body


# Signup


async def _sign_up(
    client: AsyncClient, email: str, password: str = PASSWORD, **fields: str
) -> Response:
    body = {"email": email, "password": password, "display_name": "Ada", **fields}
    return await client.post(f"{AUTH}/signup", json=body)


async def _confirm(client: AsyncClient, token: str) -> Response:
    return await client.post(f"{AUTH}/verify-email", json={"token": token})


async def test_signup_mails_a_link_that_confirms_the_address_and_signs_in(
    client: AsyncClient, inbox: Inbox, settings: Settings
) -> None:
    email = _email()

    response = await _sign_up(client, email, display_name="Ada Lovelace", timezone="Europe/London")

    assert response.status_code == 202, response.text
    assert response.json() == {"email": email}
    tokens = _assert_token_pair(await _confirm(client, await inbox.verification_token(email)))
    claims = jwt.decode(
        tokens["access_token"],
        settings.secret_key.get_secret_value(),
        algorithms=[JWT_ALGORITHM],
        audience=ACCESS_AUDIENCE,
    )
    assert claims["exp"] - claims["iat"] == 900
    me = await _me(client, tokens["access_token"])
    assert me["email"] == email
    assert me["display_name"] == "Ada Lovelace"
    assert me["timezone"] == "Europe/London"
    assert me["email_verified"] is True
    assert me["two_factor_enabled"] is False


async def test_an_unconfirmed_account_cannot_log_in_and_is_mailed_a_new_link(
    client: AsyncClient, inbox: Inbox
) -> None:
    email = _email()
    assert (await _sign_up(client, email)).status_code == 202

    refused = await _login(client, email)

    _problem(refused, 403, "email_not_verified")
    first, second = await inbox.tokens(email, VERIFY_SUBJECT, VERIFY_LINE, count=2)
    assert first != second
    _assert_token_pair(await _confirm(client, second))
    _assert_token_pair(await _login(client, email))


async def test_an_unconfirmed_account_with_a_wrong_password_gets_the_usual_answer(
    client: AsyncClient, inbox: Inbox
) -> None:
    email = _email()
    assert (await _sign_up(client, email)).status_code == 202

    _problem(await _login(client, email, "not the password at all"), 401, "invalid_credentials")

    assert len(inbox.to(email, VERIFY_SUBJECT)) == 1


async def test_signup_time_zone_defaults_to_utc(client: AsyncClient) -> None:
    user = await signup(client)

    assert (await _me(client, user.access_token))["timezone"] == "UTC"


async def test_email_is_stored_in_lower_case_and_matched_in_any_case(client: AsyncClient) -> None:
    local = uuid.uuid4().hex[:12]
    user = await signup(client, email=f"Mixed.{local}@Example.COM")

    assert (await _me(client, user.access_token))["email"] == f"mixed.{local}@example.com"
    _assert_token_pair(await _login(client, f"MIXED.{local}@example.com"))


@pytest.mark.parametrize("transform", [str, str.upper], ids=["same", "different-case"])
async def test_signup_answers_the_same_whether_or_not_the_address_is_taken(
    client: AsyncClient, inbox: Inbox, transform: Callable[[str], str]
) -> None:
    user = await signup(client, name="First Owner")
    fresh = _email()

    taken = await _sign_up(
        client, transform(user.email), "a twin's passphrase", display_name="Twin"
    )
    free = await _sign_up(client, fresh, "a twin's passphrase", display_name="Twin")

    assert taken.status_code == free.status_code == 202
    assert taken.json() == {"email": user.email}
    assert free.json() == {"email": fresh}
    # The owner hears of it; the account is untouched.
    notice = await inbox.wait_for(user.email, "You already have an account")
    assert "Hello First Owner" in mail_part(notice, "text/plain")
    assert len(inbox.to(user.email, VERIFY_SUBJECT)) == 1
    _assert_token_pair(await _login(client, user.email))
    _problem(await _login(client, user.email, "a twin's passphrase"), 401, "invalid_credentials")
    assert (await _me(client, user.access_token))["display_name"] == "First Owner"


async def test_signing_up_again_before_confirming_replaces_the_first_signup(
    client: AsyncClient, inbox: Inbox
) -> None:
    # Whoever signs up first with someone else's address cannot keep a password over it.
    email = _email()
    assert (await _sign_up(client, email, "the first passphrase")).status_code == 202
    again = await _sign_up(client, email, "the second passphrase", display_name="Owner")
    assert again.status_code == 202, again.text

    first, second = await inbox.tokens(email, VERIFY_SUBJECT, VERIFY_LINE, count=2)

    _problem(await _confirm(client, first), 400, "token_invalid_or_expired")
    tokens = _assert_token_pair(await _confirm(client, second))
    assert (await _me(client, tokens["access_token"]))["display_name"] == "Owner"
    _assert_token_pair(await _login(client, email, "the second passphrase"))
    _problem(await _login(client, email, "the first passphrase"), 401, "invalid_credentials")


async def test_the_eleventh_signup_from_an_address_within_a_minute_is_limited(
    client: AsyncClient,
) -> None:
    for _ in range(10):
        assert (await _sign_up(client, _email())).status_code == 202

    _problem(await _sign_up(client, _email()), 429, "rate_limited")


async def _median_seconds(requests: list[Callable[[], Awaitable[Response]]]) -> list[float]:
    """Each request's median time, over rounds that take them in turn."""
    times: list[list[float]] = [[] for _ in requests]
    for _ in range(4):
        for position, request in enumerate(requests):
            started = time.perf_counter()
            await request()
            times[position].append(time.perf_counter() - started)
    return [statistics.median(series) for series in times]


@pytest.mark.parametrize("endpoint", ["signup", "login"])
async def test_whether_an_address_has_an_account_does_not_show_in_the_time_taken(
    client: AsyncClient, endpoint: str
) -> None:
    # The password hashing dominates both answers; skipping it for one kind of address
    # would make that answer several times faster.
    user = await signup(client)

    def attempt(email: Callable[[], str]) -> Callable[[], Awaitable[Response]]:
        if endpoint == "signup":
            return lambda: _sign_up(client, email())
        return lambda: _login(client, email(), "not the password at all")

    with_account, without = await _median_seconds([attempt(lambda: user.email), attempt(_email)])

    assert 0.5 < with_account / without < 2, (with_account, without)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"password": "too-short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@"}, "email"),
        ({"display_name": ""}, "display_name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
    ids=["short-password", "no-at-sign", "no-domain", "empty-name", "unknown-timezone"],
)
async def test_signup_refuses_invalid_fields(
    client: AsyncClient, inbox: Inbox, override: dict[str, str], field: str
) -> None:
    email = _email()
    body = {"email": email, "password": PASSWORD, "display_name": "Ada", **override}

    response = await client.post(f"{AUTH}/signup", json=body)

    problem = _problem(response, 422, "validation_error")
    assert any(error["loc"][-1] == field for error in problem["errors"]), problem
    assert inbox.to(email, "") == []


async def test_a_ten_character_password_is_long_enough(client: AsyncClient, inbox: Inbox) -> None:
    email = _email()

    response = await _sign_up(client, email, "0123456789")

    assert response.status_code == 202, response.text
    await _confirm(client, await inbox.verification_token(email))
    _assert_token_pair(await _login(client, email, "0123456789"))


async def test_passwords_are_used_verbatim_including_surrounding_spaces(
    client: AsyncClient, inbox: Inbox
) -> None:
    email, password = _email(), "  spaced out passphrase  "
    response = await _sign_up(client, email, password)
    assert response.status_code == 202, response.text
    await _confirm(client, await inbox.verification_token(email))

    _assert_token_pair(await _login(client, email, password))
    _problem(await _login(client, email, password.strip()), 401, "invalid_credentials")


# Login


async def test_login_with_the_right_password_opens_a_new_session(client: AsyncClient) -> None:
    user = await signup(client)

    tokens = _assert_token_pair(await _login(client, user.email))

    assert tokens["refresh_token"] != user.refresh_token
    assert (await _me(client, tokens["access_token"]))["id"] == str(user.id)


async def test_wrong_password_and_unknown_email_get_the_same_answer(client: AsyncClient) -> None:
    user = await signup(client)

    wrong_password = await _login(client, user.email, "not the password at all")
    unknown_email = await _login(client, _email())

    first = _problem(wrong_password, 401, "invalid_credentials")
    second = _problem(unknown_email, 401, "invalid_credentials")
    assert _without_request_fields(first) == _without_request_fields(second)
    assert wrong_password.headers.get("www-authenticate") == unknown_email.headers.get(
        "www-authenticate"
    )


@pytest.mark.parametrize("account", ["known", "unknown"])
async def test_a_failed_login_is_recorded_in_the_audit_log(
    client: AsyncClient, connection: AsyncConnection, account: str
) -> None:
    user = await signup(client)
    email = user.email if account == "known" else _email()

    response = await _login(client, email, "not the password at all")

    problem = _problem(response, 401, "invalid_credentials")
    async with as_owner(connection):
        entries = (
            await connection.execute(
                text(
                    "SELECT action, actor_id FROM platform.audit_log WHERE request_id = :request_id"
                ),
                {"request_id": problem["request_id"]},
            )
        ).all()
    actor = user.id if account == "known" else None
    assert [(entry.action, entry.actor_id) for entry in entries] == [("user.login_failed", actor)]


async def test_a_deactivated_account_can_no_longer_log_in_or_use_its_tokens(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    user = await signup(client)
    async with as_owner(connection):
        await connection.execute(
            text("UPDATE platform.users SET is_active = false WHERE id = :user_id"),
            {"user_id": user.id},
        )

    _problem(await _login(client, user.email), 401, "invalid_credentials")
    _problem(await _refresh(client, user.refresh_token), 401, "invalid_token")
    _problem(await client.get(ME, headers=user.headers), 401, "invalid_token")


# Login rate limit


@pytest.fixture
async def two_addresses(
    settings: Settings, database: Database, connection: AsyncConnection
) -> AsyncIterator[tuple[AsyncClient, AsyncClient]]:
    """Two clients of one app (one rate limiter), calling from different addresses."""
    app = create_app(settings=settings, database=database)
    async with (
        AsyncClient(
            transport=ASGITransport(app=app, client=("203.0.113.1", 40001)),
            base_url="http://test",
            event_hooks=delivering_mail(connection, settings),
        ) as first,
        AsyncClient(
            transport=ASGITransport(app=app, client=("203.0.113.2", 40002)),
            base_url="http://test",
            event_hooks=delivering_mail(connection, settings),
        ) as second,
    ):
        yield first, second


async def test_the_eleventh_login_attempt_for_an_email_within_a_minute_is_limited(
    two_addresses: tuple[AsyncClient, AsyncClient],
) -> None:
    first, second = two_addresses
    user = await signup(first)
    for attempt in range(10):
        # However the address is capitalised, it is the same account's budget.
        email = user.email.upper() if attempt % 2 else user.email
        _problem(await _login(first, email, "wrong password guess"), 401, "invalid_credentials")

    # Another address, and even the right password: the account's budget is spent.
    limited = await _login(second, user.email)

    problem = _problem(limited, 429, "rate_limited")
    retry_after = limited.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert 1 <= int(retry_after) <= 60
    assert problem["retry_after"] == int(retry_after)
    # Other accounts can still log in from there.
    other = await signup(second)
    _assert_token_pair(await _login(second, other.email))


async def test_the_eleventh_login_attempt_from_an_address_within_a_minute_is_limited(
    two_addresses: tuple[AsyncClient, AsyncClient],
) -> None:
    first, second = two_addresses
    user = await signup(first)
    for _ in range(10):
        _problem(await _login(first, _email()), 401, "invalid_credentials")

    limited = await _login(first, user.email)

    _problem(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    _assert_token_pair(await _login(second, user.email))


# Refresh tokens


async def test_refresh_returns_a_new_working_pair(client: AsyncClient) -> None:
    user = await signup(client)

    tokens = _assert_token_pair(await _refresh(client, user.refresh_token))

    assert tokens["refresh_token"] != user.refresh_token
    assert (await _me(client, tokens["access_token"]))["id"] == str(user.id)
    _assert_token_pair(await _refresh(client, tokens["refresh_token"]))


async def test_reusing_a_rotated_refresh_token_signs_out_its_whole_family(
    client: AsyncClient,
) -> None:
    user = await signup(client)
    other_login = _assert_token_pair(await _login(client, user.email))
    newest = _assert_token_pair(await _refresh(client, user.refresh_token))

    reused = await _refresh(client, user.refresh_token)

    _problem(reused, 401, "refresh_token_reused")
    assert reused.headers["www-authenticate"].startswith("Bearer")
    # Even the newest token descended from that login is now refused...
    _problem(await _refresh(client, newest["refresh_token"]), 401, "invalid_token")
    # ...while the session from another login is untouched.
    _assert_token_pair(await _refresh(client, other_login["refresh_token"]))


@pytest.mark.parametrize("token", ["garbage", "x" * 200], ids=["short", "long"])
async def test_an_unknown_refresh_token_is_refused(client: AsyncClient, token: str) -> None:
    response = await _refresh(client, token)

    _problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_empty_refresh_token_is_not_valid_input(client: AsyncClient) -> None:
    _problem(await _refresh(client, ""), 422, "validation_error")


async def test_an_expired_refresh_token_is_refused(
    client: AsyncClient, connection: AsyncConnection
) -> None:
    user = await signup(client)
    async with as_owner(connection):
        await connection.execute(
            text(
                "UPDATE platform.refresh_tokens SET expires_at = now() - interval '1 minute' "
                "WHERE user_id = :user_id"
            ),
            {"user_id": user.id},
        )

    _problem(await _refresh(client, user.refresh_token), 401, "invalid_token")


# Logout


async def test_logout_revokes_the_refresh_token_and_its_family(client: AsyncClient) -> None:
    user = await signup(client)
    other_login = _assert_token_pair(await _login(client, user.email))
    newest = _assert_token_pair(await _refresh(client, user.refresh_token))

    response = await client.post(f"{AUTH}/logout", json={"refresh_token": newest["refresh_token"]})

    assert response.status_code == 204, response.text
    _problem(await _refresh(client, newest["refresh_token"]), 401, "invalid_token")
    _problem(await _refresh(client, user.refresh_token), 401, "invalid_token")
    _assert_token_pair(await _refresh(client, other_login["refresh_token"]))


async def test_logout_with_an_unknown_token_succeeds_quietly(client: AsyncClient) -> None:
    response = await client.post(f"{AUTH}/logout", json={"refresh_token": "never-issued"})

    assert response.status_code == 204, response.text


# Bearer tokens


async def test_me_without_a_token_requires_authentication(client: AsyncClient) -> None:
    response = await client.get(ME)

    _problem(response, 401, "authentication_required")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_non_bearer_authorization_requires_authentication(client: AsyncClient) -> None:
    response = await client.get(ME, headers={"Authorization": "Basic YWRhOnB3"})

    _problem(response, 401, "authentication_required")
    assert response.headers["www-authenticate"] == "Bearer"


def _forged_token(settings: Settings, user: TestUser, kind: str) -> str:
    if kind == "garbage":
        return "not.a.jwt"
    if kind == "expired":
        expired = settings.model_copy(update={"access_token_ttl_seconds": -60})
        return issue_access_token(expired, user.id)
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "aud": ACCESS_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    key = settings.secret_key.get_secret_value()
    if kind == "wrong-key":
        key = "some-other-secret-key-that-is-long-enough-0123"
    elif kind == "wrong-audience":
        claims["aud"] = "someone-else"
    elif kind == "bad-subject":
        claims["sub"] = "not-a-uuid"
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM)


@pytest.mark.parametrize(
    "kind", ["garbage", "expired", "wrong-key", "wrong-audience", "bad-subject"]
)
async def test_an_invalid_access_token_is_refused(
    client: AsyncClient, settings: Settings, kind: str
) -> None:
    user = await signup(client)

    response = await client.get(ME, headers=_bearer(_forged_token(settings, user, kind)))

    problem = _problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"] == "Bearer"
    if kind == "expired":
        assert "expired" in problem["detail"]


async def test_a_token_for_an_account_that_does_not_exist_is_refused(
    client: AsyncClient, settings: Settings
) -> None:
    response = await client.get(ME, headers=_bearer(issue_access_token(settings, uuid.uuid4())))

    _problem(response, 401, "invalid_token")


# Email verification


async def test_the_verification_mail_links_to_the_public_url_with_the_token(
    client: AsyncClient, inbox: Inbox, settings: Settings
) -> None:
    email = _email()
    assert (await _sign_up(client, email, display_name="Ada Lovelace")).status_code == 202
    token = await inbox.verification_token(email)

    mail = await inbox.wait_for(email, VERIFY_SUBJECT)

    body = _plain(mail)
    assert f"{settings.public_url}/verify-email?token={token}" in body
    assert "Hello Ada Lovelace" in body


async def test_a_verification_token_works_only_once(client: AsyncClient, inbox: Inbox) -> None:
    user = await signup(client)  # which confirmed the address with the mailed token
    token = await inbox.verification_token(user.email)

    again = await _confirm(client, token)

    _problem(again, 400, "token_invalid_or_expired")


async def test_an_expired_verification_token_is_refused(
    client: AsyncClient, inbox: Inbox, connection: AsyncConnection
) -> None:
    email = _email()
    assert (await _sign_up(client, email)).status_code == 202
    token = await inbox.verification_token(email)
    async with as_owner(connection):
        await connection.execute(
            text(
                "UPDATE platform.user_tokens SET expires_at = now() - interval '1 minute' "
                "WHERE purpose = 'verify_email' AND user_id = "
                "(SELECT id FROM platform.users WHERE email = :email)"
            ),
            {"email": email},
        )

    response = await _confirm(client, token)

    _problem(response, 400, "token_invalid_or_expired")
    _problem(await _login(client, email), 403, "email_not_verified")


async def test_an_unknown_verification_token_is_refused(client: AsyncClient) -> None:
    response = await _confirm(client, "never-issued")

    _problem(response, 400, "token_invalid_or_expired")


# Password reset


async def test_a_reset_request_answers_the_same_whether_or_not_the_account_exists(
    client: AsyncClient, inbox: Inbox
) -> None:
    user = await signup(client)
    stranger = _email()

    known = await client.post(f"{AUTH}/password-reset", json={"email": user.email})
    unknown = await client.post(f"{AUTH}/password-reset", json={"email": stranger})

    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    await inbox.tokens(user.email, RESET_SUBJECT, _RESET_LINE)
    assert [m for m in inbox.messages if m["To"] == stranger] == []


async def test_a_reset_request_does_the_same_work_whether_or_not_the_account_exists(
    client: AsyncClient, connection: AsyncConnection, settings: Settings, database: Database
) -> None:
    # What an attacker could time is the request itself: it must not look the address up.
    user = await signup(client)
    app = create_app(settings=settings, database=database)
    changes = []
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as bare:
        for email in (user.email, _email()):
            before = await row_counts(connection)
            response = await bare.post(f"{AUTH}/password-reset", json={"email": email})
            assert response.status_code == 202
            after = await row_counts(connection)
            changes.append({t: after[t] - before[t] for t in after if after[t] != before[t]})
    assert (
        changes[0]
        == changes[1]
        == {
            "public.procrastinate_jobs": 1,
            "public.procrastinate_events": 1,
        }
    )


async def test_the_worker_mails_the_reset_link_that_then_works(
    live: LiveWorld, inbox: Inbox
) -> None:
    user = await live.user()
    asked = await live.client.post(f"{AUTH}/password-reset", json={"email": user.email})
    assert asked.status_code == 202  # the client's hook has run the worker since
    [token] = await inbox.tokens(user.email, RESET_SUBJECT, _RESET_LINE)
    new_password = "a brand new passphrase"
    confirmed = await live.client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": new_password}
    )
    assert confirmed.status_code == 204, confirmed.text
    login = await live.client.post(
        f"{AUTH}/login", json={"email": user.email, "password": new_password}
    )
    assert login.status_code == 200, login.text


async def test_the_eleventh_reset_request_from_an_address_within_a_minute_is_limited(
    client: AsyncClient,
) -> None:
    for _ in range(10):
        response = await client.post(f"{AUTH}/password-reset", json={"email": _email()})
        assert response.status_code == 202, response.text

    limited = await client.post(f"{AUTH}/password-reset", json={"email": _email()})

    _problem(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1


async def test_a_reset_request_matches_the_address_in_any_case(
    client: AsyncClient, inbox: Inbox
) -> None:
    user = await signup(client)

    response = await client.post(f"{AUTH}/password-reset", json={"email": user.email.upper()})

    assert response.status_code == 202, response.text
    await inbox.tokens(user.email, RESET_SUBJECT, _RESET_LINE)


async def test_the_reset_token_sets_a_new_password(client: AsyncClient, inbox: Inbox) -> None:
    user = await signup(client)
    token = await _reset_token(client, inbox, user.email)

    response = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204, response.text
    _problem(await _login(client, user.email), 401, "invalid_credentials")
    _assert_token_pair(await _login(client, user.email, NEW_PASSWORD))


async def test_a_reset_token_works_only_once(client: AsyncClient, inbox: Inbox) -> None:
    user = await signup(client)
    token = await _reset_token(client, inbox, user.email)
    first = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert first.status_code == 204, first.text

    again = await client.post(
        f"{AUTH}/password-reset/confirm",
        json={"token": token, "new_password": "yet another passphrase"},
    )

    _problem(again, 400, "token_invalid_or_expired")
    _assert_token_pair(await _login(client, user.email, NEW_PASSWORD))


async def test_a_reset_signs_out_every_existing_session(client: AsyncClient, inbox: Inbox) -> None:
    user = await signup(client)
    other_login = _assert_token_pair(await _login(client, user.email))
    token = await _reset_token(client, inbox, user.email)

    response = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204, response.text
    _problem(await _refresh(client, user.refresh_token), 401, "invalid_token")
    _problem(await _refresh(client, other_login["refresh_token"]), 401, "invalid_token")


async def test_using_one_reset_link_retires_the_others(client: AsyncClient, inbox: Inbox) -> None:
    user = await signup(client)
    for _ in range(2):
        response = await client.post(f"{AUTH}/password-reset", json={"email": user.email})
        assert response.status_code == 202, response.text
    older, newer = await inbox.tokens(user.email, RESET_SUBJECT, _RESET_LINE, count=2)
    used = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": newer, "new_password": NEW_PASSWORD}
    )
    assert used.status_code == 204, used.text

    response = await client.post(
        f"{AUTH}/password-reset/confirm",
        json={"token": older, "new_password": "yet another passphrase"},
    )

    _problem(response, 400, "token_invalid_or_expired")
    _assert_token_pair(await _login(client, user.email, NEW_PASSWORD))


async def test_an_expired_reset_token_is_refused(
    client: AsyncClient, inbox: Inbox, connection: AsyncConnection
) -> None:
    user = await signup(client)
    token = await _reset_token(client, inbox, user.email)
    async with as_owner(connection):
        await connection.execute(
            text(
                "UPDATE platform.user_tokens SET expires_at = now() - interval '1 minute' "
                "WHERE user_id = :user_id AND purpose = 'reset_password'"
            ),
            {"user_id": user.id},
        )

    response = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )

    _problem(response, 400, "token_invalid_or_expired")
    _assert_token_pair(await _login(client, user.email))


async def test_a_reset_needs_a_strong_enough_new_password(
    client: AsyncClient, inbox: Inbox
) -> None:
    user = await signup(client)
    token = await _reset_token(client, inbox, user.email)

    response = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": "short"}
    )

    _problem(response, 422, "validation_error")
    # The token was not spent by the refused attempt.
    retry = await client.post(
        f"{AUTH}/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert retry.status_code == 204, retry.text


async def test_emailed_tokens_only_work_for_their_own_purpose(
    client: AsyncClient, inbox: Inbox
) -> None:
    email = _email()
    assert (await _sign_up(client, email)).status_code == 202
    verify_token = await inbox.verification_token(email)
    reset_token = await _reset_token(client, inbox, email)

    as_reset = await client.post(
        f"{AUTH}/password-reset/confirm",
        json={"token": verify_token, "new_password": NEW_PASSWORD},
    )
    as_verify = await _confirm(client, reset_token)

    _problem(as_reset, 400, "token_invalid_or_expired")
    _problem(as_verify, 400, "token_invalid_or_expired")
    # Neither changed anything, nor used the other token up.
    _problem(await _login(client, email), 403, "email_not_verified")
    _assert_token_pair(await _confirm(client, verify_token))
    _assert_token_pair(await _login(client, email))


# Two-factor authentication


async def _early_in_a_time_step(margin: float = 5.0) -> int:
    """Now, waiting for the next 30 s TOTP step if fewer than ``margin`` seconds are left.

    Two-factor is then enabled with the previous step's code while the server is still in
    this step; afterwards the codes of this step and the next stay acceptable (the server
    allows one step of drift) for the next 30 s at least, however slow argon2 is.
    """
    left = 30 - time.time() % 30
    if left < margin:
        await asyncio.sleep(left + 0.1)
    return int(time.time())


async def _begin_totp(client: AsyncClient, user: TestUser) -> pyotp.TOTP:
    response = await client.post(f"{AUTH}/2fa/setup", headers=user.headers)
    assert response.status_code == 200, response.text
    return pyotp.TOTP(response.json()["secret"])


async def _enable_totp(client: AsyncClient, user: TestUser, code: str | None = None) -> pyotp.TOTP:
    totp = await _begin_totp(client, user)
    response = await client.post(
        f"{AUTH}/2fa/enable", json={"code": code or totp.now()}, headers=user.headers
    )
    assert response.status_code == 204, response.text
    return totp


def _wrong_code(totp: pyotp.TOTP, now: int) -> str:
    valid = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


async def test_two_factor_setup_returns_a_secret_and_otpauth_uri(client: AsyncClient) -> None:
    user = await signup(client)

    response = await client.post(f"{AUTH}/2fa/setup", headers=user.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert re.fullmatch(r"[A-Z2-7]{16,}", body["secret"]), body
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert "issuer=Commonhold" in body["otpauth_uri"]
    # Setting up is not yet enabling: logging in still needs no code.
    assert (await _me(client, user.access_token))["two_factor_enabled"] is False
    _assert_token_pair(await _login(client, user.email))


async def test_two_factor_is_enabled_by_a_valid_code(client: AsyncClient) -> None:
    user = await signup(client)

    await _enable_totp(client, user)

    assert (await _me(client, user.access_token))["two_factor_enabled"] is True


async def test_enabling_two_factor_with_a_wrong_code_is_refused(client: AsyncClient) -> None:
    user = await signup(client)
    totp = await _begin_totp(client, user)

    response = await client.post(
        f"{AUTH}/2fa/enable",
        json={"code": _wrong_code(totp, int(time.time()))},
        headers=user.headers,
    )

    _problem(response, 401, "totp_invalid")
    assert (await _me(client, user.access_token))["two_factor_enabled"] is False


async def test_enabling_two_factor_needs_setup_first(client: AsyncClient) -> None:
    user = await signup(client)

    response = await client.post(
        f"{AUTH}/2fa/enable", json={"code": "123456"}, headers=user.headers
    )

    _problem(response, 409, "two_factor_state")


async def test_two_factor_setup_is_refused_while_two_factor_is_on(client: AsyncClient) -> None:
    user = await signup(client)
    await _enable_totp(client, user)

    response = await client.post(f"{AUTH}/2fa/setup", headers=user.headers)

    _problem(response, 409, "two_factor_state")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef"])
async def test_a_two_factor_code_must_be_six_digits(client: AsyncClient, code: str) -> None:
    user = await signup(client)
    await _begin_totp(client, user)

    response = await client.post(f"{AUTH}/2fa/enable", json={"code": code}, headers=user.headers)

    _problem(response, 422, "validation_error")


async def test_login_with_two_factor_needs_the_code(client: AsyncClient) -> None:
    user = await signup(client)
    now = await _early_in_a_time_step()
    totp = await _begin_totp(client, user)
    enabled = await client.post(
        f"{AUTH}/2fa/enable", json={"code": totp.at(now, counter_offset=-1)}, headers=user.headers
    )
    assert enabled.status_code == 204, enabled.text

    _problem(await _login(client, user.email), 401, "totp_required")
    _problem(
        await _login(client, user.email, totp_code=_wrong_code(totp, now)), 401, "totp_invalid"
    )
    # The code that enabled two-factor cannot be used again.
    _problem(
        await _login(client, user.email, totp_code=totp.at(now, counter_offset=-1)),
        401,
        "totp_invalid",
    )
    _assert_token_pair(await _login(client, user.email, totp_code=totp.at(now)))
    # Nor can the code that just logged in...
    _problem(await _login(client, user.email, totp_code=totp.at(now)), 401, "totp_invalid")
    # ...but the next one can.
    _assert_token_pair(await _login(client, user.email, totp_code=totp.at(now, counter_offset=1)))


async def test_a_code_sent_to_an_account_without_two_factor_is_ignored(
    client: AsyncClient,
) -> None:
    user = await signup(client)

    _assert_token_pair(await _login(client, user.email, totp_code="123456"))


async def test_a_wrong_password_with_two_factor_reveals_nothing_about_the_code(
    client: AsyncClient,
) -> None:
    user = await signup(client)
    totp = await _enable_totp(client, user)

    without_code = await _login(client, user.email, "not the password at all")
    with_code = await _login(client, user.email, "not the password at all", totp.now())

    _problem(without_code, 401, "invalid_credentials")
    _problem(with_code, 401, "invalid_credentials")


async def test_disabling_two_factor_needs_the_password_and_a_code(client: AsyncClient) -> None:
    user = await signup(client)
    now = await _early_in_a_time_step()
    totp = await _begin_totp(client, user)
    enabled = await client.post(
        f"{AUTH}/2fa/enable", json={"code": totp.at(now, counter_offset=-1)}, headers=user.headers
    )
    assert enabled.status_code == 204, enabled.text

    wrong_password = await client.post(
        f"{AUTH}/2fa/disable",
        json={"password": "not the password at all", "code": totp.at(now)},
        headers=user.headers,
    )
    wrong_code = await client.post(
        f"{AUTH}/2fa/disable",
        json={"password": PASSWORD, "code": _wrong_code(totp, now)},
        headers=user.headers,
    )
    missing_code = await client.post(
        f"{AUTH}/2fa/disable", json={"password": PASSWORD}, headers=user.headers
    )

    _problem(wrong_password, 401, "invalid_credentials")
    _problem(wrong_code, 401, "totp_invalid")
    _problem(missing_code, 422, "validation_error")
    assert (await _me(client, user.access_token))["two_factor_enabled"] is True


async def test_disabling_two_factor_lets_login_work_without_a_code(client: AsyncClient) -> None:
    user = await signup(client)
    now = await _early_in_a_time_step()
    totp = await _begin_totp(client, user)
    enabled = await client.post(
        f"{AUTH}/2fa/enable", json={"code": totp.at(now, counter_offset=-1)}, headers=user.headers
    )
    assert enabled.status_code == 204, enabled.text

    response = await client.post(
        f"{AUTH}/2fa/disable",
        json={"password": PASSWORD, "code": totp.at(now)},
        headers=user.headers,
    )

    assert response.status_code == 204, response.text
    assert (await _me(client, user.access_token))["two_factor_enabled"] is False
    _assert_token_pair(await _login(client, user.email))


async def test_disabling_two_factor_when_it_is_off_conflicts(client: AsyncClient) -> None:
    user = await signup(client)

    response = await client.post(
        f"{AUTH}/2fa/disable", json={"password": PASSWORD, "code": "123456"}, headers=user.headers
    )

    _problem(response, 409, "two_factor_state")


# Request bodies


async def test_malformed_json_is_a_bad_request(client: AsyncClient) -> None:
    response = await client.post(
        f"{AUTH}/login",
        content=b'{"email": "ada@example.com", "password": ',
        headers={"content-type": "application/json"},
    )

    _problem(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("body", "field", "error_type"),
    [
        (
            {"email": "ada@example.com", "password": "whatever", "remember_me": True},
            "remember_me",
            "extra_forbidden",
        ),
        ({"email": "ada@example.com", "password": 1234567890}, "password", "string_type"),
        ({"email": ["ada@example.com"], "password": "whatever"}, "email", "string_type"),
        ({"email": "ada@example.com"}, "password", "missing"),
    ],
    ids=["unknown-field", "number-password", "list-email", "missing-password"],
)
async def test_invalid_bodies_are_validation_errors(
    client: AsyncClient, body: dict[str, Any], field: str, error_type: str
) -> None:
    response = await client.post(f"{AUTH}/login", json=body)

    problem = _problem(response, 422, "validation_error")
    assert {"loc": ["body", field], "type": error_type} in [
        {"loc": error["loc"], "type": error["type"]} for error in problem["errors"]
    ], problem


async def test_a_body_over_one_mebibyte_is_refused(client: AsyncClient) -> None:
    padding = " " * (1024 * 1024)
    response = await client.post(
        f"{AUTH}/login",
        content=f'{{"email": "ada@example.com", "password": "x"{padding}}}'.encode(),
        headers={"content-type": "application/json"},
    )

    _problem(response, 413, "payload_too_large")


async def test_a_body_of_exactly_one_mebibyte_is_accepted(
    client: AsyncClient, settings: Settings
) -> None:
    start = b'{"email": "ada@example.com", "password": "x"'
    body = start + b" " * (settings.max_body_bytes - len(start) - 1) + b"}"
    assert len(body) == settings.max_body_bytes == 1024 * 1024

    response = await client.post(
        f"{AUTH}/login", content=body, headers={"content-type": "application/json"}
    )

    _problem(response, 401, "invalid_credentials")


async def test_a_streamed_body_over_one_mebibyte_is_refused(client: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "ada@example.com", "password": "x"'
        for _ in range(17):
            yield b" " * 65536
        yield b"}"

    response = await client.post(
        f"{AUTH}/login", content=chunks(), headers={"content-type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    _problem(response, 413, "payload_too_large")


# Profile


async def test_a_valid_time_zone_is_saved(client: AsyncClient) -> None:
    user = await signup(client)

    response = await client.patch(ME, json={"timezone": "Europe/Paris"}, headers=user.headers)

    assert response.status_code == 200, response.text
    assert response.json()["timezone"] == "Europe/Paris"
    me = await _me(client, user.access_token)
    assert me["timezone"] == "Europe/Paris"
    assert me["display_name"] == "Test User"


async def test_an_unknown_time_zone_is_refused(client: AsyncClient) -> None:
    user = await signup(client)

    response = await client.patch(ME, json={"timezone": "Mars/Olympus"}, headers=user.headers)

    problem = _problem(response, 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "timezone"]
    assert (await _me(client, user.access_token))["timezone"] == "UTC"


async def test_the_display_name_can_be_changed_alone(client: AsyncClient) -> None:
    user = await signup(client)
    moved = await client.patch(ME, json={"timezone": "Asia/Tokyo"}, headers=user.headers)
    assert moved.status_code == 200, moved.text

    response = await client.patch(ME, json={"display_name": "Grace"}, headers=user.headers)

    assert response.status_code == 200, response.text
    me = await _me(client, user.access_token)
    assert me["display_name"] == "Grace"
    assert me["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    "body",
    [{"display_name": ""}, {"display_name": "   "}, {"email": "new@example.com"}],
    ids=["empty-name", "blank-name", "email"],
)
async def test_invalid_profile_changes_are_refused(
    client: AsyncClient, body: dict[str, Any]
) -> None:
    user = await signup(client)

    response = await client.patch(ME, json=body, headers=user.headers)

    _problem(response, 422, "validation_error")
    me = await _me(client, user.access_token)
    assert (me["email"], me["display_name"]) == (user.email, "Test User")


async def test_changing_the_profile_requires_authentication(client: AsyncClient) -> None:
    response = await client.patch(ME, json={"timezone": "Europe/Paris"})

    _problem(response, 401, "authentication_required")
