"""Web Push sending against a local push service that checks VAPID and decrypts like a browser."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import jwt
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from commonhold.platform.notify.webpush import (
    PushSender,
    PushUnreachable,
    VapidKeys,
    generate_vapid_keys,
)
from tests.platform.push_service import (
    PushService,
    Rejected,
    b64url_decode,
    decrypt,
    verify_vapid,
)

SUBJECT = "mailto:ops@commonhold.example"


@pytest.fixture
async def push() -> AsyncIterator[PushService]:
    async with PushService() as service:
        yield service


@pytest.fixture(scope="module")
def keys() -> VapidKeys:
    return generate_vapid_keys()


@pytest.fixture
def sender(keys: VapidKeys) -> PushSender:
    return PushSender(keys, SUBJECT)


async def test_a_json_payload_arrives_decrypted_intact(
    push: PushService, sender: PushSender
) -> None:
    subscriber = push.subscribe()
    payload = {"title": "Boiler service due", "body": "Tomorrow 9:00, Küche ✓", "url": "/homes/1"}

    response = await sender.send(subscriber.target, json.dumps(payload).encode())

    assert (response.status, response.accepted) == (201, True)
    [message] = push.messages
    assert message.endpoint_id == subscriber.id
    assert message.headers["Content-Encoding"] == "aes128gcm"
    assert json.loads(message.plaintext) == payload
    assert payload["body"].encode() not in message.body


@pytest.mark.parametrize("subject", [SUBJECT, "https://commonhold.example/contact"])
async def test_the_push_service_verifies_our_vapid_signature_and_subject(
    push: PushService, keys: VapidKeys, subject: str
) -> None:
    subscriber = push.subscribe()

    await PushSender(keys, subject).send(subscriber.target, b"{}")

    [message] = push.messages
    assert message.public_key == keys.public_key
    assert message.claims["sub"] == subject
    assert message.claims["aud"] == push.origin
    assert time.time() < message.claims["exp"] <= time.time() + 24 * 60 * 60


async def test_ttl_and_urgency_reach_the_push_service(push: PushService, keys: VapidKeys) -> None:
    subscriber = push.subscribe()

    await PushSender(keys, SUBJECT).send(subscriber.target, b"{}")
    await PushSender(keys, SUBJECT, ttl_seconds=600).send(subscriber.target, b"{}", urgency="high")

    assert [(m.headers["TTL"], m.headers["Urgency"]) for m in push.messages] == [
        ("86400", "normal"),
        ("600", "high"),
    ]


@pytest.mark.parametrize(
    ("status", "gone", "retryable"),
    [(404, True, False), (410, True, False), (429, False, True), (500, False, True)],
)
async def test_the_push_service_answer_says_what_to_do_next(
    push: PushService, sender: PushSender, status: int, gone: bool, retryable: bool
) -> None:
    subscriber = push.subscribe()
    push.answer(subscriber, status)

    response = await sender.send(subscriber.target, b"{}")

    assert response.status == status
    assert (response.subscription_gone, response.retryable) == (gone, retryable)
    assert not response.accepted
    assert response.body == f"answered {status} as told"


async def test_a_payload_too_large_for_push_is_refused_for_good(
    push: PushService, sender: PushSender
) -> None:
    response = await sender.send(push.subscribe().target, b"x" * 4000)

    assert response.status == 413
    assert (response.accepted, response.subscription_gone, response.retryable) == (False,) * 3
    assert push.messages == []


async def test_an_unknown_urgency_is_refused(push: PushService, sender: PushSender) -> None:
    with pytest.raises(ValueError, match="urgency"):
        await sender.send(push.subscribe().target, b"{}", urgency="urgent")
    assert push.messages == []


def test_generated_vapid_keys_are_a_p256_pair_browsers_accept() -> None:
    keys = generate_vapid_keys()

    point = b64url_decode(keys.public_key)
    private_key = serialization.load_pem_private_key(keys.private_key_pem.encode(), None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    assert isinstance(private_key.curve, ec.SECP256R1)
    assert (len(point), point[0]) == (65, 0x04)
    assert "=" not in keys.public_key
    own_point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert own_point == point
    assert generate_vapid_keys().public_key != keys.public_key


async def test_a_message_changed_on_the_way_or_for_someone_else_does_not_decrypt(
    push: PushService, sender: PushSender
) -> None:
    subscriber = push.subscribe()
    await sender.send(subscriber.target, b'{"title": "Rent is due"}')
    [message] = push.messages
    tampered = bytearray(message.body)
    tampered[100] ^= 0x01

    with pytest.raises(InvalidTag):
        decrypt(bytes(tampered), subscriber)
    with pytest.raises(InvalidTag):
        decrypt(message.body, push.subscribe())
    headers = {k: message.headers[k] for k in ("Authorization", "TTL", "Content-Encoding")}
    async with aiohttp.ClientSession(headers=headers) as client:
        async with client.post(subscriber.endpoint, data=message.body) as replayed:
            assert replayed.status == 201
        async with client.post(subscriber.endpoint, data=bytes(tampered)) as changed:
            assert changed.status == 400
            assert "cannot decrypt" in await changed.text()
    assert [m.plaintext for m in push.messages] == [b'{"title": "Rent is due"}'] * 2


async def test_the_push_service_refuses_tokens_it_cannot_trust(
    push: PushService, sender: PushSender
) -> None:
    await sender.send(push.subscribe().target, b"{}")
    authorization = push.messages[0].headers["Authorization"]
    token = authorization.split("t=")[1].split(",")[0]
    stranger = generate_vapid_keys()
    stranger_key = serialization.load_pem_private_key(stranger.private_key_pem.encode(), None)
    assert isinstance(stranger_key, ec.EllipticCurvePrivateKey)
    too_long = jwt.encode(
        {"aud": push.origin, "sub": SUBJECT, "exp": int(time.time()) + 25 * 60 * 60},
        stranger_key,
        algorithm="ES256",
    )

    assert verify_vapid(authorization, push.origin)[0]["sub"] == SUBJECT
    with pytest.raises(Rejected):
        verify_vapid(authorization, "https://push.other.example")
    with pytest.raises(Rejected):
        verify_vapid(f"vapid t={token}, k={stranger.public_key}", push.origin)
    with pytest.raises(Rejected, match="24 hours"):
        verify_vapid(f"vapid t={too_long}, k={stranger.public_key}", push.origin)


async def test_a_push_service_that_is_down_raises_push_unreachable(sender: PushSender) -> None:
    async with PushService() as push:
        subscriber = push.subscribe()

    with pytest.raises(PushUnreachable):
        await sender.send(subscriber.target, b"{}")


async def test_a_push_service_that_does_not_answer_in_time_raises_push_unreachable(
    push: PushService, keys: VapidKeys
) -> None:
    subscriber = push.subscribe()
    push.stall(subscriber, 10)

    with pytest.raises(PushUnreachable):
        await PushSender(keys, SUBJECT, timeout_seconds=0.2).send(subscriber.target, b"{}")
