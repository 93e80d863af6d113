"""Units: the organisation chart, sums from the leaves up, and where a small unit is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from bot.reports.rows import Member
from bot.reports.units import OrgChart


@dataclass
class Count:
    value: int = 0
    people: list[int] = field(default_factory=list)

    def add(self, other: Self) -> None:
        self.value += other.value
        self.people += other.people


def _member(person: int, manager: int | None, *, active: bool = True) -> Member:
    return Member(person, manager, f"P{person}", "sv", None, active)


# 1 -> 2 -> (3, 4, 5, 6); 1 -> 7 -> 8; 9 is inactive under 2
PEOPLE = [
    _member(1, None),
    _member(2, 1),
    *[_member(p, 2) for p in (3, 4, 5, 6)],
    _member(7, 1),
    _member(8, 7),
]
CHART = OrgChart.build([*PEOPLE, _member(9, 2, active=False)])


def test_a_unit_is_everyone_below_the_manager_but_not_the_manager() -> None:
    direct: dict[int, Count] = {}  # figures arrive summed per direct manager
    for person in range(2, 10):
        manager = CHART.members[person].manager_id
        assert manager is not None
        direct.setdefault(manager, Count()).add(Count(person, [person]))

    units = CHART.roll_up(direct, Count)

    assert sorted(units[2].people) == [3, 4, 5, 6, 9]
    assert sorted(units[1].people) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert units[7].value == 8 and units[1].value == sum(range(2, 10))


def test_sizes_count_active_people_and_small_units_are_shown_inside_the_one_above() -> None:
    sizes = CHART.unit_sizes()

    assert (sizes[1], sizes[2], sizes[7]) == (7, 4, 1)
    assert CHART.managers() == [1, 2, 7]
    assert CHART.shown_unit(1, sizes) == 1
    assert CHART.shown_unit(2, sizes) == 1  # 4 people: folded into the unit above
    assert OrgChart.build([_member(1, None), _member(2, 1)]).shown_unit(1, {1: 1}) is None


def test_a_loop_in_the_directory_and_unknown_managers_do_not_hang_or_lose_anyone() -> None:
    chart = OrgChart.build([_member(1, 3), _member(2, 1), _member(3, 2), _member(4, 99)])

    assert sorted(chart.bottom_up) == [1, 2, 3, 4]
    assert 4 not in chart.parent
    assert len(chart.parent) == 2  # one link of the loop 1 -> 3 -> 2 -> 1 is cut
