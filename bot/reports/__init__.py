"""Reports: the weekly manager summary, the personal monthly summary, the REMM step-10 follow-up, wording
experiments and their charts. Pure use cases over plain rows; storage aggregates, this package composes."""
