from httpx import AsyncClient

from tests.factories import create_space, signup


async def test_signup_me_and_space(client: AsyncClient) -> None:
    user = await signup(client)
    space = await create_space(client, user)
    assert space["role"] == "owner"
    listed = await client.get("/api/v1/spaces", headers=user.headers)
    assert [s["id"] for s in listed.json()["items"]] == [space["id"]]
