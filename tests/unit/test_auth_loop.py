"""An API key looked up in the database never blocks the event loop, even when every pooled connection is
taken (a soak's worker froze so: the loop waited for a connection held by requests that needed the loop)."""

from __future__ import annotations

import asyncio
import threading
import time

from starlette.requests import Request

from service.api.deps import current_principal
from service.auth import create_key
from service.config import Settings
from service.db.session import get_engine, session_scope, upgrade_db
from service.main import create_app


def test_a_key_lookup_waits_for_a_connection_off_the_event_loop(tmp_path):
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    upgrade_db(url)
    with session_scope(url) as session:
        key = create_key(session, "reader")
    app = create_app(Settings(database_url=url, model_dir=tmp_path / "models"))
    request = Request({"type": "http", "app": app, "headers": []})

    engine = get_engine(url)
    held = [engine.connect() for _ in range(engine.pool.size() + engine.pool._max_overflow)]  # all taken
    threading.Timer(2.0, lambda: [c.close() for c in held]).start()  # the requests finish in 2 s

    async def scenario() -> tuple[float, object]:
        gaps, stop = [], asyncio.Event()

        async def ticker() -> None:  # what the loop owes every other request meanwhile
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(0.05)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.1)
        principal = await current_principal(request, key)
        stop.set()
        await tick
        return max(gaps), principal

    longest, principal = asyncio.run(scenario())
    assert principal.role == "reader"
    assert longest < 1.0, f"the event loop stood still for {longest:.1f} s while the key was looked up"
