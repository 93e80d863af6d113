"""Savings estimates per second on one core, and place-lookup latency when the gazetteer is there.

Run: .venv/bin/python bench/estimate.py [--estimates N] [--lookups N]
Target: at least 20,000 estimates per second (a year of an agency's travel replays in well under a second).
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TARGET_PER_SECOND = 20_000
TOWNS = {
    "Stockholm": (59.3293, 18.0686), "Göteborg": (57.7072, 11.9668), "Malmö": (55.6059, 13.0007),
    "Uppsala": (59.8586, 17.6389), "Västerås": (59.6099, 16.5448), "Örebro": (59.2741, 15.2066),
    "Linköping": (58.4108, 15.6214), "Helsingborg": (56.0465, 12.6945), "Jönköping": (57.7826, 14.1618),
    "Norrköping": (58.5942, 16.1826), "Lund": (55.7047, 13.191), "Umeå": (63.8284, 20.2597),
    "Gävle": (60.6749, 17.1413), "Borås": (57.721, 12.9401), "Södertälje": (59.1955, 17.6253),
    "Eskilstuna": (59.3666, 16.5077), "Karlstad": (59.3793, 13.5036), "Växjö": (56.8777, 14.8091),
    "Sundsvall": (62.3908, 17.3069), "Luleå": (65.5842, 22.1547), "Östersund": (63.1792, 14.6357),
    "Kiruna": (67.8557, 20.2251), "Visby": (57.6348, 18.2948), "Kalmar": (56.6634, 16.3568),
}  # fmt: skip
AIRPORTS = {"ARN": (59.6519, 17.9186), "GOT": (57.6628, 12.2798), "MMX": (55.5363, 13.3762),
            "UME": (63.7918, 20.2828), "LLA": (65.5438, 22.122)}  # fmt: skip
QUERIES = ["Stockholm", "Göteborg", "Umeå", "umea", "Gothenburg", "Sthlm", "Götebrog", "Malmo",
           "Lulea", "Kiruna", "Östersund", "Ostersund", "Vaxjo", "Uppsla", "Arlanda", "Landvetter",
           "Helsingborg", "Jönköpnig", "Sundsvall", "Visby"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estimates", type=int, default=50_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository
    bench_estimates(args.estimates)
    bench_lookups(args.lookups)


def bench_estimates(count: int) -> None:
    from bot.savings.estimate import Mode, TripSpec, estimate
    from bot.savings.factors import FactorTable
    from bot.savings.places import Place, PlaceKind, great_circle_km

    towns = [Place(f"bench:{name}", name, lat, lon) for name, (lat, lon) in TOWNS.items()]
    airports = [
        Place(f"iata:{code}", code, lat, lon, PlaceKind.AIRPORT) for code, (lat, lon) in AIRPORTS.items()
    ]

    class NearestOfFive:
        def nearest_airport(self, place: Place) -> tuple[Place, float]:
            return min(((a, great_circle_km(place, a)) for a in airports), key=lambda pair: pair[1])

    specs = _specs(towns, list(Mode), TripSpec, count)
    factors = FactorTable.load()
    run = _timed(lambda: [_try(estimate, spec, factors, NearestOfFive()) for spec in specs])
    rate = count / run
    print(
        f"estimates: {count:,} in {run:.2f} s = {rate:,.0f}/s on one core (target >= {TARGET_PER_SECOND:,}/s)"
    )
    results = [result for spec in specs[:5000] if (result := _try(estimate, spec, factors, NearestOfFive()))]
    to_dict = _timed(lambda: [result.to_dict() for result in results])
    print(f"to_dict:   {len(results) / to_dict:,.0f}/s")


def _specs(towns: Sequence[Any], modes: Sequence[Any], spec: Callable[..., Any], count: int) -> list[Any]:
    rng = random.Random(2026)
    specs = []
    while len(specs) < count:
        origin, destination = rng.sample(towns, 2)
        options = {
            "travellers": rng.randint(1, 8),
            "nights": rng.choice((0, 0, 1, 2)),
            "round_trip": rng.random() < 0.8,
        }
        specs.append(spec(origin, destination, rng.choice(modes), **options))
    return specs


def _try(estimate: Callable[..., Any], spec: Any, factors: Any, airports: Any) -> Any:
    try:
        return estimate(spec, factors=factors, airports=airports)
    except ValueError:  # EstimateError("no_flight"): part of the workload, as in real use
        return None


def bench_lookups(count: int) -> None:
    try:
        places = importlib.import_module("bot.savings.places")
        default_gazetteer = places.default_gazetteer
    except (ImportError, AttributeError) as error:
        print(f"place lookups: skipped, bot.savings.places.default_gazetteer is not there yet ({error})")
        return
    load = _timed(default_gazetteer)
    gazetteer = default_gazetteer()
    latencies = []
    for index in range(count):
        query = QUERIES[index % len(QUERIES)]
        start = time.perf_counter_ns()
        gazetteer.lookup(query)
        latencies.append(time.perf_counter_ns() - start)
    latencies.sort()
    p50, p99 = (latencies[int(len(latencies) * q)] / 1000 for q in (0.50, 0.99))
    print(f"place lookups: {count:,} mixed (exact, alias, typo): p50 {p50:,.0f} µs, p99 {p99:,.0f} µs"
          f" (first load {load * 1000:,.0f} ms)")  # fmt: skip


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
