"""Teams conversation references and bot identities per tenant."""

from __future__ import annotations
