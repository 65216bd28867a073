"""Order keys for lists and cards: strings compared byte by byte (collation "C").

A new key always fits strictly between two neighbours, so moving one card writes one row and
never renumbers the others. Keys are base-62 fractions without the leading "0.": "V" is
about one half, "VV" a little more. No key ends in "0", so there is always room between two
of them; each insertion at the same spot adds at most one character, and a container whose
keys grow past ``MAX_KEY_LENGTH`` is given fresh, evenly spread keys (``spread_keys``).
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
MAX_KEY_LENGTH = 48
_VALUE = {digit: value for value, digit in enumerate(DIGITS)}


class InvalidKey(ValueError):
    """Keys given out of order, or not made by this module."""


def key_between(before: str | None, after: str | None) -> str:
    """A key greater than ``before`` and less than ``after``; None is the open end."""
    low = before or ""
    for key in (low, after or ""):
        if key.endswith("0") or any(digit not in _VALUE for digit in key):
            raise InvalidKey(f"{key!r} is not an order key")
    if after is not None and not low < after:
        raise InvalidKey(f"{before!r} is not before {after!r}")
    return _midpoint(low, after)


def _midpoint(low: str, high: str | None) -> str:
    """The shortest key strictly between ``low`` and ``high`` (open above when None)."""
    if high is not None:
        # Keep the digits both share; the answer differs from them only after.
        shared = 0
        while shared < len(high) and (low[shared] if shared < len(low) else "0") == high[shared]:
            shared += 1
        if shared:
            return high[:shared] + _midpoint(low[shared:], high[shared:])
    low_digit = _VALUE[low[0]] if low else 0
    high_digit = _VALUE[high[0]] if high is not None else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit + 1) // 2]
    # Adjacent digits: a longer ``high`` leaves room at its first digit alone...
    if high is not None and len(high) > 1:
        return high[:1]
    # ...otherwise go one digit deeper, above the rest of ``low``.
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def spread_keys(count: int) -> list[str]:
    """``count`` increasing keys spread evenly over the whole range, all of one short length."""
    width = 1
    while BASE**width <= count:
        width += 1
    keys = []
    for index in range(1, count + 1):
        value = index * BASE**width // (count + 1)
        digits = []
        for _ in range(width):
            value, digit = divmod(value, BASE)
            digits.append(DIGITS[digit])
        keys.append("".join(reversed(digits)).rstrip("0"))
    return keys


def fits(key: str) -> bool:
    """Whether ``key`` is short enough to keep; a longer one calls for ``spread_keys``."""
    return len(key) <= MAX_KEY_LENGTH
