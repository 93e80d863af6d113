"""Which database errors mean "not now" (answered 503 with Retry-After) rather than a bug."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.database import DatabaseUnavailable, is_unavailable


@pytest.mark.parametrize(
    "error",
    [
        PoolTimeout("QueuePool limit of size 10 overflow 20 reached, connection timed out"),
        DatabaseUnavailable("connection refused"),
        ConnectionRefusedError(),
        TimeoutError(),
    ],
)
def test_an_unreachable_or_exhausted_database_is_unavailable(error: BaseException) -> None:
    assert is_unavailable(error)


@pytest.mark.parametrize("error", [IntegrityError("INSERT", {}, Exception("duplicate key")), ValueError()])
def test_a_bug_or_a_constraint_is_not(error: BaseException) -> None:
    assert not is_unavailable(error)
