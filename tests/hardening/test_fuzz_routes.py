"""Hostile input on every POST route: never a 5xx, never a row from a refused request.

Quick here (a few dozen cases per route); `bench/fuzz.py` runs 10,000 per route by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.settings import Settings
from tests.hardening.live_server import LiveServer, log_in, start_live_server

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=2000),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(
        st.sampled_from(
            [
                "text",
                "client_id",
                "action_id",
                "value",
                "message_id",
                "inputs",
                "person_id",
                "type",
                "event",
                "token",
                "challenge",
            ]
        ),
        json_values,
        max_size=6,
    ).map(lambda value: json.dumps(value).encode()),
)


def post_routes() -> list[str]:
    """Every POST route the app serves, read from the app itself (new routes are fuzzed too)."""
    app = create_app(Settings.from_env({}))
    paths = {
        route.resource.canonical for route in app.router.routes() if route.method == "POST" and route.resource
    }
    return sorted(path for path in paths if "{" not in path)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live, thread = start_live_server(tmp_path_factory.mktemp("fuzz"))
    log_in(live)
    yield live
    live._stop.set()
    thread.join(timeout=30)


@pytest.mark.parametrize("path", post_routes())
def test_random_bodies_never_give_a_5xx_or_store_a_refused_request(server: LiveServer, path: str) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(body=bodies)
    def fuzz(body: bytes) -> None:
        before = server.row_counts()
        status, answer = server.request("POST", path, body)
        assert status < 500, (path, status, answer[:300])
        if status >= 400:
            assert server.row_counts() == before, (path, status, "a refused request changed stored rows")
            if answer:
                assert "error" in json.loads(answer), (path, answer[:200])

    fuzz()


def test_random_chat_text_always_gets_a_friendly_answer(server: LiveServer) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip()), n=st.uuids())
    def chat(text: str, n: object) -> None:
        status, answer = server.request(
            "POST", "/webchat/api/messages", json.dumps({"text": text, "client_id": str(n)}).encode()
        )
        assert status == 200, answer[:300]
        assert json.loads(answer)["messages"], "every message gets an answer"

    chat()
