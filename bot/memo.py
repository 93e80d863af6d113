"""Results kept per object, by identity: for immutable values handed out again and again by one cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Value = TypeVar("Value")
Result = TypeVar("Result")


def by_identity(make: Callable[[Value], Result], *, most: int = 4096) -> Callable[[Value], Result]:
    """``make(value)``, made once per value object. Identity, not equality: hashing a large frozen value
    would cost about as much as making the result. Each value is kept with its result, so its id is never
    reused while it is here; all are let go at ``most``. The result is shared: read it, do not change it."""
    made: dict[int, tuple[Value, Result]] = {}

    def kept(value: Value) -> Result:
        found = made.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        if len(made) >= most:
            made.clear()
        result = make(value)
        made[id(value)] = (value, result)
        return result

    return kept
