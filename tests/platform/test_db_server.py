"""The embedded server's first start, as several processes (API, worker, test workers) race it."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
from sqlalchemy.engine import make_url

from commonhold.platform.db.server import DatabaseUrls, libpq_url, start_embedded_postgres
from tests.conftest import APP_ROLE, TEST_DATA_DIR


def test_concurrent_first_starts_all_get_the_same_database(database_urls: DatabaseUrls) -> None:
    name = f"race_{uuid.uuid4().hex[:12]}"
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: start_embedded_postgres(TEST_DATA_DIR, APP_ROLE, name), range(4))
        )
    try:
        assert {make_url(r.app).database for r in results} == {name}
        with psycopg.connect(libpq_url(results[0].app)) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (APP_ROLE,)
    finally:
        with psycopg.connect(libpq_url(database_urls.owner), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
