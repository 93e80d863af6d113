"""Random bodies at every webhook: never a 5xx, and a refused request never leaves a row behind."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import Services
from storage.tables import InboundRow
from storage.tables_ingest import CalendarLinkRow
from tests.fakes.clock import FakeClock
from tests.ingest.conftest import Signer, count_rows
from tests.ingest.test_webhooks import meeting, travel

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    """A valid payload with one field removed, replaced by random JSON, or a random field added."""
    data = dict(base)
    key = draw(st.sampled_from(sorted(data)))
    action = draw(st.sampled_from(["drop", "replace", "add"]))
    if action == "drop":
        del data[key]
    elif action == "replace":
        data[key] = draw(JSON)
    else:
        data[draw(st.text(min_size=1, max_size=12))] = draw(JSON)
    return json.dumps(data).encode()


BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda value: json.dumps(value).encode()),
    mutated(travel()),
    mutated(meeting()),
    st.builds(lambda items: json.dumps({"value": items}).encode(), st.lists(JSON, max_size=3)),
    st.builds(
        lambda sub, state, event: json.dumps(
            {
                "value": [
                    {
                        "subscriptionId": sub,
                        "clientState": state,
                        "changeType": "updated",
                        "lifecycleEvent": event,
                    }
                ]
            }
        ).encode(),
        st.text(max_size=40),
        st.text(max_size=40),
        st.sampled_from(["missed", "subscriptionRemoved", "reauthorizationRequired", "other"]),
    ),
)
PATHS = [
    "/webhooks/calendar",
    "/webhooks/travel",
    "/webhooks/graph",
    "/webhooks/graph/lifecycle",
    "/webhooks/google",
]
HEADERS = st.dictionaries(
    st.sampled_from(
        ["X-Goog-Channel-ID", "X-Goog-Channel-Token", "X-Goog-Resource-State", "X-Remm-Organisation"]
    ),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40),
    max_size=4,
)


async def _extra_rows(services: Services) -> tuple[int, int]:
    async with services.database.session() as session:
        inbound = (await session.execute(select(func.count()).select_from(InboundRow))).scalar_one()
        links = (await session.execute(select(func.count()).select_from(CalendarLinkRow))).scalar_one()
    return int(inbound), int(links)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), body=BODIES, sign=st.booleans(), headers=HEADERS)
async def test_random_bodies_never_give_a_5xx_or_a_row(
    client: TestClient,
    services: Services,
    signed: Signer,
    clock: FakeClock,
    path: str,
    body: bytes,
    sign: bool,
    headers: dict[str, str],
) -> None:
    clock.advance(seconds=1)
    before = await count_rows(services), await _extra_rows(services)
    sent = (signed(body) if sign else {}) | headers

    response = await client.post(path, data=body, headers=sent)

    assert response.status < 500
    if response.status >= 400:
        assert response.content_type == "application/json"
        assert "error" in await response.json()
    if response.status != 202 or path.startswith(("/webhooks/graph", "/webhooks/google")):
        assert (await count_rows(services), await _extra_rows(services)) == before
