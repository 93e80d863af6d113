"""Scheduled work: APScheduler 3 ticks, each a line into a service, run once per period across processes."""
