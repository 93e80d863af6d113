"""Units: everyone below a manager (direct and indirect reports, not the manager), and their sums.

Figures arrive already summed per direct manager; one pass from the leaves up gives every unit its totals,
so the cost grows with the number of managers, never with the number of trips.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, Self, TypeVar

from bot.reports.rows import Member

MIN_UNIT_SIZE = 5


class Summable(Protocol):
    def add(self, other: Self) -> None: ...


T = TypeVar("T", bound=Summable)


@dataclass(frozen=True, slots=True)
class OrgChart:
    members: dict[int, Member]
    parent: dict[int, int]  # person -> manager, cycles and unknown managers left out
    children: dict[int, tuple[int, ...]]
    bottom_up: tuple[int, ...]  # every person after all of their reports

    @classmethod
    def build(cls, members: Sequence[Member]) -> OrgChart:
        by_id = {m.id: m for m in members}
        parent = _acyclic_parents(by_id)
        children: dict[int, list[int]] = {}
        for person, manager in parent.items():
            children.setdefault(manager, []).append(person)
        roots = [m for m in by_id if m not in parent]
        order: list[int] = []
        queue = deque(sorted(roots))
        while queue:
            node = queue.popleft()
            order.append(node)
            queue.extend(sorted(children.get(node, ())))
        frozen = {k: tuple(sorted(v)) for k, v in children.items()}
        return cls(by_id, parent, frozen, tuple(reversed(order)))

    def managers(self) -> list[int]:
        """Active people with at least one active report."""
        return [
            m
            for m in sorted(self.children)
            if self.members[m].active and any(self.members[c].active for c in self.children[m])
        ]

    def unit_sizes(self) -> dict[int, int]:
        """Active people below each manager."""
        below: dict[int, int] = {}
        for node in self.bottom_up:
            below[node] = sum(below[c] + int(self.members[c].active) for c in self.children.get(node, ()))
        return below

    def shown_unit(self, manager_id: int, sizes: dict[int, int]) -> int | None:
        """The unit this manager is shown: their own, or the nearest one above with enough people."""
        node: int | None = manager_id
        while node is not None:
            if sizes.get(node, 0) >= MIN_UNIT_SIZE:
                return node
            node = self.parent.get(node)
        return None

    def roll_up(self, direct: dict[int, T], empty: Callable[[], T]) -> dict[int, T]:
        """Each manager's unit total from ``direct``: per manager, the own figures of their direct reports.
        A unit is the direct reports' figures plus every unit below it; never the manager's own."""
        units: dict[int, T] = {}
        for node in self.bottom_up:
            reports = self.children.get(node, ())
            if not reports:
                continue
            total = empty()
            if node in direct:
                total.add(direct[node])
            for child in reports:
                if child in units:
                    total.add(units[child])
            units[node] = total
        return units


class Buckets(Generic[T]):
    """Figures per unit id, each created on first use."""

    def __init__(self, empty: Callable[[], T]) -> None:
        self.by_unit: dict[int, T] = {}
        self._empty = empty

    def of(self, unit_id: int) -> T:
        found = self.by_unit.get(unit_id)
        if found is None:
            found = self.by_unit[unit_id] = self._empty()
        return found


def _acyclic_parents(members: dict[int, Member]) -> dict[int, int]:
    """Manager links to known people; a loop in the directory is cut where it closes."""
    parent: dict[int, int] = {}
    for person in sorted(members):
        manager = members[person].manager_id
        if manager is None or manager not in members or manager == person:
            continue
        if not _reaches(parent, manager, person):
            parent[person] = manager
    return parent


def _reaches(parent: dict[int, int], start: int, target: int) -> bool:
    seen: set[int] = set()
    node: int | None = start
    while node is not None and node not in seen:
        if node == target:
            return True
        seen.add(node)
        node = parent.get(node)
    return False
