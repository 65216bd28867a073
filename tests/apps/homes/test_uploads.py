"""Uploading item photos, receipts and manuals: request a target, send the bytes, confirm; a
worker job strips location data and makes thumbnails. Files on this machine's disk, served
through signed URLs by the API server itself; and, at the end, the same flow on an S3 store,
which the client uploads to and downloads from directly."""

from __future__ import annotations

import io
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from httpx import URL, Response
from PIL import Image

from commonhold.platform.files.storage import file_key, storage_from_settings
from commonhold.platform.files.tasks import purge
from tests.apps.homes.factories import API, create_home, create_item, create_room
from tests.factories import TestUser
from tests.live import LiveWorld
from tests.uploads import ELF, GPS_IFD, HTML, PDF, SVG, local_path, photo_with_location

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def huge_png() -> bytes:
    """100 megapixels of one colour: a few hundred kilobytes, 300 MB once decoded."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


async def _item_of_paying_owner(live: LiveWorld) -> tuple[TestUser, str]:
    owner = await live.user("Owner")
    await live.set_tier(owner, "basic")
    home = await create_home(live.client, owner)
    room = await create_room(live.client, owner, home["id"])
    item = await create_item(live.client, owner, room["id"], name="Furnace")
    return owner, item["id"]


async def _request(
    live: LiveWorld, owner: TestUser, item_id: str, data: bytes, **fields: Any
) -> Response:
    body: dict[str, Any] = {
        "use": "photo",
        "file_name": "furnace.jpg",
        "content_type": "image/jpeg",
    }
    body |= {"size": len(data), **fields}
    return await live.client.post(
        f"{API}/items/{item_id}/attachments/uploads", json=body, headers=owner.headers
    )


async def _upload(
    live: LiveWorld, owner: TestUser, item_id: str, data: bytes, **fields: Any
) -> dict[str, Any]:
    """Request a target, send ``data`` there, confirm; the confirmation's response."""
    requested = await _request(live, owner, item_id, data, **fields)
    assert requested.status_code == 201, requested.text
    upload = requested.json()["upload"]
    sent = await live.client.put(local_path(upload["url"]), content=data, headers=upload["headers"])
    assert sent.status_code == 204, sent.text
    attachment_id = requested.json()["attachment"]["id"]
    confirmed = await live.client.post(
        f"{API}/items/{item_id}/attachments/{attachment_id}/confirm", headers=owner.headers
    )
    return {"attachment_id": attachment_id, "response": confirmed}


async def _attachments(live: LiveWorld, owner: TestUser, item_id: str) -> list[dict[str, Any]]:
    listed = await live.client.get(f"{API}/items/{item_id}/attachments", headers=owner.headers)
    assert listed.status_code == 200, listed.text
    attachments: list[dict[str, Any]] = listed.json()
    return attachments


async def _file_of(live: LiveWorld, attachment_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The space and id of the attachment's uploaded file."""
    [(space_id, file_id)] = await live.execute(
        "SELECT space_id, file_id FROM homes.item_attachments WHERE id = :id",
        id=uuid.UUID(attachment_id),
    )
    return uuid.UUID(str(space_id)), uuid.UUID(str(file_id))


async def _stored_keys(live: LiveWorld, attachment_id: str) -> list[str]:
    """What storage holds for the attachment's file."""
    storage = storage_from_settings(live.settings)
    space_id, file_id = await _file_of(live, attachment_id)
    return [
        variant
        for variant in ("original", "thumb-256", "thumb-1024")
        if await storage.exists(file_key(space_id, file_id, variant))
    ]


async def test_a_photo_becomes_ready_with_thumbnails_and_without_its_location(
    live: LiveWorld,
) -> None:
    owner, item_id = await _item_of_paying_owner(live)

    uploaded = await _upload(live, owner, item_id, photo_with_location())

    confirmed = uploaded["response"]
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["processing_status"], confirmed.json()["file_url"]) == (
        "uploaded",
        None,
    )
    await live.run_jobs()
    [photo] = await _attachments(live, owner, item_id)
    assert (photo["processing_status"], photo["use"], photo["file_type"]) == (
        "ready",
        "photo",
        "image/jpeg",
    )
    served = await live.client.get(local_path(photo["file_url"]))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline")
    with Image.open(io.BytesIO(served.content)) as kept:
        assert kept.size == (1200, 900)
        assert dict(kept.getexif().get_ifd(GPS_IFD)) == {}
    assert [t["side"] for t in photo["thumbnails"]] == [256, 1024]
    for thumbnail in photo["thumbnails"]:
        response = await live.client.get(local_path(thumbnail["url"]))
        assert response.headers["content-type"] == "image/webp"
        with Image.open(io.BytesIO(response.content)) as small:
            assert small.format == "WEBP"
            assert max(small.size) == thumbnail["side"]


async def test_the_inventory_shows_each_items_first_photo_once_it_is_ready(
    live: LiveWorld,
) -> None:
    owner, item_id = await _item_of_paying_owner(live)
    await _upload(live, owner, item_id, PDF, use="manual", file_name="manual.pdf", content_type="")
    await _upload(live, owner, item_id, photo_with_location(), file_name="front.jpg")
    await _upload(live, owner, item_id, photo_with_location(), file_name="back.jpg")
    home_id = (await live.client.get(f"{API}/items/{item_id}", headers=owner.headers)).json()[
        "home_id"
    ]

    async def photo_in_inventory() -> dict[str, Any] | None:
        inventory = await live.client.get(f"{API}/homes/{home_id}/inventory", headers=owner.headers)
        assert inventory.status_code == 200, inventory.text
        [room] = inventory.json()["rooms"]
        [item] = room["items"]
        assert item["attachment_count"] == 3
        photo: dict[str, Any] | None = item["photo"]
        return photo

    assert await photo_in_inventory() is None  # not processed yet
    await live.run_jobs()
    photo = await photo_in_inventory()

    assert photo is not None
    assert photo["side"] == 256
    assert "front.jpg" in URL(photo["url"]).params["filename"]
    shown = await live.client.get(local_path(photo["url"]))
    assert shown.status_code == 200
    with Image.open(io.BytesIO(shown.content)) as small:
        assert (small.format, max(small.size)) == ("WEBP", 256)


async def test_a_manual_in_pdf_is_kept_as_it_came_and_downloaded_as_an_attachment(
    live: LiveWorld,
) -> None:
    owner, item_id = await _item_of_paying_owner(live)

    uploaded = await _upload(
        live, owner, item_id, PDF, use="manual", file_name="manual.pdf", content_type=""
    )

    assert uploaded["response"].status_code == 200, uploaded["response"].text
    await live.run_jobs()
    [manual] = await _attachments(live, owner, item_id)
    assert (manual["processing_status"], manual["file_type"], manual["thumbnails"]) == (
        "ready",
        "application/pdf",
        [],
    )
    served = await live.client.get(local_path(manual["file_url"]))
    assert served.content == PDF
    assert served.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("use", "data", "declared", "code"),
    [
        ("photo", ELF, "image/jpeg", "file_type_not_allowed"),
        ("manual", ELF, "application/octet-stream", "file_type_not_allowed"),
        ("photo", HTML, "image/png", "file_type_not_allowed"),
        ("receipt", SVG, "image/jpeg", "file_type_not_allowed"),
        ("photo", PDF, "image/jpeg", "file_type_not_allowed"),
        ("manual", PDF, "image/jpeg", "file_type_mismatch"),
    ],
    ids=[
        "renamed-executable",
        "undeclared-executable",
        "html-as-image",
        "svg-as-image",
        "pdf-as-photo",
        "pdf-declared-as-image",
    ],
)
async def test_a_file_that_is_not_what_its_use_takes_is_refused_and_erased(
    live: LiveWorld, use: str, data: bytes, declared: str, code: str
) -> None:
    owner, item_id = await _item_of_paying_owner(live)

    uploaded = await _upload(live, owner, item_id, data, use=use, content_type=declared)

    response = uploaded["response"]
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    [refused] = await _attachments(live, owner, item_id)
    assert (refused["processing_status"], refused["failure_code"], refused["file_url"]) == (
        "failed",
        code,
        None,
    )
    assert await _stored_keys(live, uploaded["attachment_id"]) == []


async def test_a_hundred_megapixel_image_is_refused_without_being_decoded(
    live: LiveWorld,
) -> None:
    owner, item_id = await _item_of_paying_owner(live)

    uploaded = await _upload(live, owner, item_id, huge_png(), content_type="image/png")

    assert uploaded["response"].status_code == 200, uploaded["response"].text
    await live.run_jobs()
    [refused] = await _attachments(live, owner, item_id)
    assert (refused["processing_status"], refused["failure_code"]) == ("failed", "image_too_large")
    assert await _stored_keys(live, uploaded["attachment_id"]) == []


async def test_a_file_over_the_plans_limit_is_refused_before_any_byte_is_sent(
    live: LiveWorld,
) -> None:
    owner, item_id = await _item_of_paying_owner(live)  # basic: 25 MB a file

    response = await _request(live, owner, item_id, b"", size=25 * 1024 * 1024 + 1)

    assert response.status_code == 413, response.text
    assert response.json()["code"] == "file_too_large"
    assert await _attachments(live, owner, item_id) == []


async def test_the_free_plan_cannot_upload(live: LiveWorld) -> None:
    owner = await live.user()
    home = await create_home(live.client, owner)
    room = await create_room(live.client, owner, home["id"])
    item = await create_item(live.client, owner, room["id"])

    response = await _request(live, owner, item["id"], photo_with_location())

    assert response.status_code == 403, response.text
    assert response.json()["limit_key"] == "home.attachments"


async def test_an_upload_must_be_exactly_the_declared_size(live: LiveWorld) -> None:
    owner, item_id = await _item_of_paying_owner(live)
    data = photo_with_location()
    upload = (await _request(live, owner, item_id, data)).json()["upload"]

    longer = await live.client.put(
        local_path(upload["url"]), content=data + b"more", headers=upload["headers"]
    )
    shorter = await live.client.put(
        local_path(upload["url"]), content=data[:-1], headers=upload["headers"]
    )

    assert (longer.status_code, longer.json()["code"]) == (413, "file_too_large")
    assert (shorter.status_code, shorter.json()["code"]) == (400, "upload_incomplete")


async def test_a_tampered_upload_or_download_link_is_refused(live: LiveWorld) -> None:
    owner, item_id = await _item_of_paying_owner(live)
    data = photo_with_location()
    requested = (await _request(live, owner, item_id, data)).json()
    upload_path = local_path(requested["upload"]["url"])

    tampered = await live.client.put(
        upload_path.replace("size=", "size=9"), content=data, headers=requested["upload"]["headers"]
    )
    wrong_type = await live.client.put(
        upload_path, content=data, headers={"Content-Type": "text/html"}
    )
    not_yet = await live.client.post(
        f"{API}/items/{item_id}/attachments/{requested['attachment']['id']}/confirm",
        headers=owner.headers,
    )

    assert (tampered.status_code, tampered.json()["code"]) == (403, "file_url_invalid")
    assert (wrong_type.status_code, wrong_type.json()["code"]) == (403, "file_url_invalid")
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "upload_not_received")
    uploaded = await _upload(live, owner, item_id, data)
    await live.run_jobs()
    ready = next(
        a for a in await _attachments(live, owner, item_id) if a["id"] == uploaded["attachment_id"]
    )
    download = local_path(ready["file_url"])
    assert (await live.client.get(download)).status_code == 200
    forged = await live.client.get(download.replace("disposition=inline", "disposition=attachment"))
    assert (forged.status_code, forged.json()["code"]) == (403, "file_url_invalid")


async def test_a_deleted_items_files_are_erased_after_the_retention_period(
    live: LiveWorld,
) -> None:
    owner, item_id = await _item_of_paying_owner(live)
    uploaded = await _upload(live, owner, item_id, photo_with_location())
    await live.run_jobs()
    storage = storage_from_settings(live.settings)
    deleted = await live.client.delete(f"{API}/items/{item_id}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text

    space_id, file_id = await _file_of(live, uploaded["attachment_id"])
    keys = [file_key(space_id, file_id, v) for v in ("original", "thumb-256", "thumb-1024")]

    assert await purge(live.system, storage, live.settings) == 0
    assert await _stored_keys(live, uploaded["attachment_id"]) == [
        "original",
        "thumb-256",
        "thumb-1024",
    ]
    await live.execute(
        "UPDATE platform.files SET deleted_at = now() - interval '31 days' "
        "WHERE id = (SELECT file_id FROM homes.item_attachments WHERE id = :id)",
        id=uuid.UUID(uploaded["attachment_id"]),
    )
    assert await purge(live.system, storage, live.settings) == 1

    left = await live.execute(
        "SELECT count(*) FROM homes.item_attachments WHERE id = :id",
        id=uuid.UUID(uploaded["attachment_id"]),
    )
    assert left == [(0,)]
    assert [await storage.exists(key) for key in keys] == [False, False, False]


async def test_on_s3_the_client_uploads_and_downloads_straight_from_the_store(
    live_on_s3: LiveWorld, s3_client: S3Client
) -> None:
    live = live_on_s3
    owner, item_id = await _item_of_paying_owner(live)
    data = photo_with_location()
    requested = await _request(live, owner, item_id, data)
    assert requested.status_code == 201, requested.text
    upload = requested.json()["upload"]
    attachment_id = requested.json()["attachment"]["id"]

    async with httpx.AsyncClient() as outside:
        assert upload["url"].startswith(str(live.settings.s3_endpoint_url))
        sent = await outside.put(upload["url"], content=data, headers=upload["headers"])
        assert sent.status_code == 200, sent.text
        confirmed = await live.client.post(
            f"{API}/items/{item_id}/attachments/{attachment_id}/confirm", headers=owner.headers
        )
        assert confirmed.status_code == 200, confirmed.text
        await live.run_jobs()
        [photo] = await _attachments(live, owner, item_id)
        served = await outside.get(photo["file_url"])
        thumbnail = await outside.get(photo["thumbnails"][0]["url"])
        forged = await outside.get(photo["file_url"].replace("X-Amz-Expires=", "X-Amz-Expires=9"))

    assert photo["processing_status"] == "ready"
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["content-disposition"].startswith("inline")
    with Image.open(io.BytesIO(served.content)) as kept:
        assert kept.size == (1200, 900)
        assert dict(kept.getexif().get_ifd(GPS_IFD)) == {}
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert (small.format, max(small.size)) == ("WEBP", 256)
    assert forged.status_code == 403
    space_id, file_id = await _file_of(live, attachment_id)
    stored = s3_client.list_objects_v2(Bucket=str(live.settings.s3_bucket), Prefix=f"{space_id}/")
    assert sorted(o["Key"] for o in stored.get("Contents", [])) == [
        file_key(space_id, file_id, variant) for variant in ("original", "thumb-1024", "thumb-256")
    ]
