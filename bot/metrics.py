"""Prometheus metrics (GET /metrics). Counters are per process; outbox gauges are read from the database.

Names follow Prometheus conventions; `outbox_redelivered_total` is the one design.md section 5 names.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY: Final = CollectorRegistry(auto_describe=True)

events_in: Final = Counter(
    "remm_events_in_total",
    "Inbound events committed, by source and whether they were new or repeats",
    ["source", "outcome"],
    registry=REGISTRY,
)
nudges_decided: Final = Counter(
    "remm_nudges_decided_total",
    "Nudge decisions, by decision and reason",
    ["decision", "reason"],
    registry=REGISTRY,
)
deliveries: Final = Counter(
    "remm_deliveries_total",
    "Outbox delivery attempts, by channel and result",
    ["channel", "result"],
    registry=REGISTRY,
)
outbox_redelivered: Final = Counter(
    "outbox_redelivered_total",
    "Outbox rows sent again after a crash left them in sending",
    ["channel"],
    registry=REGISTRY,
)
delivery_seconds: Final = Histogram(
    "remm_delivery_seconds",
    "Time one platform send or update took",
    ["channel"],
    registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
errors: Final = Counter(
    "remm_http_errors_total",
    "HTTP error responses, by status and error code",
    ["status", "code"],
    registry=REGISTRY,
)
outbox_depth: Final = Gauge(
    "remm_outbox_depth",
    "Outbox rows waiting (queued, retry or sending), by state",
    ["state"],
    registry=REGISTRY,
)
outbox_oldest_seconds: Final = Gauge(
    "remm_outbox_oldest_due_seconds",
    "Age of the oldest due outbox row that is still waiting",
    registry=REGISTRY,
)
