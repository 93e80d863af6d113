"""Information campaigns (REMM step 9): campaigns, variants, recipients and their responses."""

from __future__ import annotations
