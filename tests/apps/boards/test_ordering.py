"""The order keys of lists and cards, on their own."""

from __future__ import annotations

import random

import pytest

from commonhold.apps.boards.ordering import (
    MAX_KEY_LENGTH,
    InvalidKey,
    fits,
    key_between,
    spread_keys,
)


def test_a_key_falls_strictly_between_its_neighbours() -> None:
    assert "V" < key_between("V", "W") < "W"
    assert "V" < key_between("V", "V1") < "V1"
    assert "az" < key_between("az", "b") < "b"


def test_keys_go_before_the_first_and_after_the_last() -> None:
    first = key_between(None, None)
    before = key_between(None, first)
    after = key_between(first, None)
    assert before < first < after
    assert key_between(None, "01") < "01"
    assert key_between("zzz", None) > "zzz"


def test_many_inserts_at_the_same_spot_stay_ordered_and_grow_slowly() -> None:
    low, high = "V", "W"
    keys = []
    for _ in range(200):
        high = key_between(low, high)
        keys.append(high)
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == 200
    assert all(low < key < "W" for key in keys)
    assert max(len(key) for key in keys) <= 40


def test_random_inserts_keep_a_total_order() -> None:
    chooser = random.Random(7)
    keys: list[str] = []
    for _ in range(3000):
        at = chooser.randint(0, len(keys))
        before = keys[at - 1] if at else None
        after = keys[at] if at < len(keys) else None
        keys.insert(at, key_between(before, after))
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert not any(key.endswith("0") for key in keys)


def test_long_keys_are_spread_anew_evenly_and_short() -> None:
    low, high = "V", "W"
    while fits(high):
        high = key_between(low, high)
    assert len(high) == MAX_KEY_LENGTH + 1

    for count in (1, 2, 61, 62, 5000):
        keys = spread_keys(count)
        assert keys == sorted(keys)
        assert len(set(keys)) == count
        assert all(key and not key.endswith("0") for key in keys)
        assert max(len(key) for key in keys) <= 3
        # There is room before the first, after the last and between any two.
        assert key_between(None, keys[0]) < keys[0]
        assert key_between(keys[-1], None) > keys[-1]
        assert all(
            keys[i] < key_between(keys[i], keys[i + 1]) < keys[i + 1] for i in range(count - 1)
        )


def test_keys_out_of_order_or_foreign_are_refused() -> None:
    for before, after in (("W", "V"), ("V", "V"), ("V0", None), (None, "a-b")):
        with pytest.raises(InvalidKey):
            key_between(before, after)
