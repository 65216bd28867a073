"""Room bookkeeping of the Socket.IO gateway with many connections."""

from __future__ import annotations

import time

import socketio

from commonhold.platform.sync.rooms import RoomManager


def _join(manager: socketio.AsyncManager, count: int) -> list[str]:
    """``count`` connections, each in its own room, its person's room and one shared room."""
    sids = [f"s{n}" for n in range(count)]
    for n, sid in enumerate(sids):
        manager.basic_enter_room(sid, "/", None, eio_sid=f"e{n}")
        manager.basic_enter_room(sid, "/", sid)
        manager.basic_enter_room(sid, "/", f"user:{n % 100}")
        manager.basic_enter_room(sid, "/", "space:shared")
    return sids


def test_everyone_leaving_at_once_takes_time_linear_in_the_connections() -> None:
    # Scanning every room for each leaving connection, 20,000 of them, takes minutes.
    manager = RoomManager()
    sids = _join(manager, 20_000)
    started = time.perf_counter()
    for sid in sids:
        manager.basic_disconnect(sid, "/")
    assert time.perf_counter() - started < 5.0
    assert manager.rooms == {}


def test_a_connection_knows_its_rooms_until_it_leaves_them() -> None:
    manager = RoomManager()
    first, second = _join(manager, 2)
    manager.basic_leave_room(first, "/", "space:shared")
    assert sorted(manager.get_rooms(first, "/")) == [first, "user:0"]
    assert sorted(manager.get_rooms(second, "/")) == [second, "space:shared", "user:1"]
    manager.basic_disconnect(first, "/")
    assert manager.get_rooms(first, "/") == []
    assert dict(manager.rooms["/"]["space:shared"]) == {second: "e1"}
