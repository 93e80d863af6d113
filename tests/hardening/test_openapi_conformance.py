"""schemathesis against our own ``GET /openapi.json``: the webhooks behave as their document says.

The document is the one the live server serves, generated from the models that validate the webhooks.
Each generated case goes out three times, always as the same bytes:

1. signed as a genuine sender signs (``Signature``, a requests auth hook that signs the exact bytes on
   the wire), through every schemathesis check: no 5xx; status codes, content types, headers and JSON
   bodies as documented; invalid data refused; valid data accepted or refused for a reason the schema
   cannot express (an unknown person, a date in the past: 422); the signature enforced;
2. without the signature headers: a documented 401 ``missing_signature``;
3. signed with another secret: a documented 401 ``bad_signature``.

No refused request may leave a row behind. Quick in ``make test`` (the document's examples, the coverage
cases and QUICK_EXAMPLES generated ones per operation); a longer run (bench/README.md):

    REMM_SCHEMATHESIS_EXAMPLES=2000 .venv/bin/pytest tests/hardening/test_openapi_conformance.py
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Final

import pytest
import requests
import schemathesis
from requests.adapters import HTTPAdapter
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.ingest.signatures import ORGANISATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.web.openapi import CALENDAR_EXAMPLE, TRAVEL_EXAMPLE, openapi_document
from tests.hardening.live_server import NOW, LiveServer, start_live_server

SECRET: Final = "schemathesis-webhook-secret"
ORGANISATION: Final = "hallbar"  # the sample organisation's id
QUICK_EXAMPLES: Final = 25
EXAMPLES: Final = int(os.environ.get("REMM_SCHEMATHESIS_EXAMPLES", QUICK_EXAMPLES))
CONFIG: Final = schemathesis.Config.from_dict(
    {
        # NUL is refused in any field (400, documented): no database stores it in text.
        "generation": {"max-examples": EXAMPLES, "database": "none", "allow-x00": False},
        "checks": {
            # Schema-valid data is still refused when it names no person of the organisation, or a date
            # in the past (422, with `field`): no JSON schema can say "a colleague" or "not yet over". The
            # same bytes twice at the same (fake) second are a replay (409).
            "positive_data_acceptance": {"expected-statuses": ["2xx", "409", "422"]},
        },
    }
)
DOCUMENTED_ONLY: Final = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class Signature(requests.auth.AuthBase):
    """Signs each request as a genuine sender would, over the bytes actually sent.

    A case that leaves out a signature header (schemathesis' "missing required header" cases) is sent
    as it is: the server must refuse it.
    """

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = request.headers
        if TIMESTAMP_HEADER not in headers or SIGNATURE_HEADER not in headers:
            return request
        body = request.body or b""
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)  # type: ignore[arg-type]
        stamp = str(int(NOW.timestamp()))
        headers[TIMESTAMP_HEADER] = stamp
        headers[SIGNATURE_HEADER] = sign(self._secret, stamp, raw)
        return request


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live, thread = start_live_server(tmp_path_factory.mktemp("openapi"), {"WEBHOOK_SECRET": SECRET})
    yield live
    live._stop.set()
    thread.join(timeout=30)


class _FromAddress(HTTPAdapter):
    """Connections from one loopback address of the 127.0.0.0/8 block (all loopback on Linux)."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self._address, 0), **kwargs)


_senders = itertools.count(1)


@contextmanager
def a_sender() -> Iterator[requests.Session]:
    """Each case from a sender of its own: the webhooks allow 50 requests/s per source (bot/web/
    rate_limit.py), and a few hundred cases from one address would soon be refused with 429."""
    n = next(_senders)
    with requests.Session() as session:
        session.mount("http://", _FromAddress(f"127.0.{n // 250 % 250}.{n % 250 + 1}"))
        yield session


# Loaded from the function that serves /openapi.json (the test below checks that the server serves exactly
# this), because schemathesis' fixture-based loading does not work with pytest 9 (it sets Node._nodeid).
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


def test_the_server_serves_the_document_under_test(server: LiveServer) -> None:
    served = requests.get(f"{server.base}/openapi.json", timeout=30)
    assert (served.status_code, served.json()) == (200, openapi_document())


@schema.parametrize()
def test_the_webhooks_behave_as_their_openapi_document_says(
    case: schemathesis.Case, server: LiveServer
) -> None:
    with a_sender() as http:
        _check(case, server, http)


def _check(case: schemathesis.Case, server: LiveServer, http: requests.Session) -> None:
    if isinstance(case.headers, MutableMapping) and ORGANISATION_HEADER in case.headers:
        # A sender names its own organisation; an unknown one is refused (404) before the signature is
        # even looked at, which would hide what this test is about.
        case.headers[ORGANISATION_HEADER] = ORGANISATION
    before = server.row_counts()
    signed = case.call_and_validate(
        base_url=server.base, session=http, auth=Signature(SECRET), excluded_checks=[negative_data_rejection]
    )
    after = server.row_counts()
    assert signed.status_code < 500, signed.text[:300]
    if signed.status_code >= 400:
        assert after == before, (signed.status_code, signed.text[:200], "a refused request stored rows")
    _invalid_data_is_refused(case, signed)
    if signed.request.method != "POST":
        return  # an undocumented method: 405, checked by schemathesis above
    for code, headers in _unsigned_and_forged(signed.request).items():
        refused = http.post(
            str(signed.request.url), data=_bytes_of(signed.request), headers=headers, timeout=30
        )
        assert (refused.status_code, refused.json()["error"]) == (401, code), refused.text[:200]
        case.validate_response(refused, checks=DOCUMENTED_ONLY)
        assert server.row_counts() == after, (code, "an unsigned or forged request stored rows")


def _invalid_data_is_refused(case: schemathesis.Case, response: requests.Response) -> None:
    """schemathesis' negative_data_rejection, less what this test makes of it.

    Invalid signature headers never reach the server: ``Signature`` replaces them (a case without them
    is sent as it is), so a case negative only in its headers is a valid request once signed. An invalid
    body accepted, or anything else accepted, fails.
    """
    try:
        case.validate_response(response, checks=[negative_data_rejection])
    except FailureGroup:
        sent = response.request
        negative_body = case.meta is not None and case.meta.is_negative_at(ParameterLocation.BODY)
        if sent.method != "POST" or negative_body or not _signature_headers_valid(sent.headers):
            raise


def _signature_headers_valid(headers: MutableMapping[str, str]) -> bool:
    return all(pattern.fullmatch(headers.get(name, "")) for name, pattern in _HEADER_PATTERNS.items())


_HEADER_PATTERNS: Final = {
    parameter["name"]: re.compile(parameter["schema"]["pattern"])
    for parameter in openapi_document()["paths"]["/webhooks/calendar"]["post"]["parameters"]
    if "pattern" in parameter["schema"]
}


def _bytes_of(request: requests.PreparedRequest) -> bytes:
    body = request.body or b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)  # type: ignore[arg-type]


def _unsigned_and_forged(sent: requests.PreparedRequest) -> dict[str, dict[str, str]]:
    """The same request without the X-Remm-* headers, and signed with a secret that is not ours."""
    plain = {
        name: value
        for name, value in sent.headers.items()
        if not name.lower().startswith("x-remm-") and name.lower() != "content-length"
    }
    stamp = str(int(NOW.timestamp()))
    forged = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign("not-the-secret", stamp, _bytes_of(sent))}
    return {"missing_signature": plain, "bad_signature": plain | forged}


@pytest.mark.parametrize(
    ("path", "example", "field", "value"),
    [
        ("/webhooks/calendar", CALENDAR_EXAMPLE, "external_attendees", False),
        ("/webhooks/calendar", CALENDAR_EXAMPLE, "online", "true"),
        ("/webhooks/travel", TRAVEL_EXAMPLE, "travellers", "2"),
        ("/webhooks/travel", TRAVEL_EXAMPLE, "departure_date", 1893456000),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused(
    server: LiveServer, path: str, example: dict[str, object], field: str, value: object
) -> None:
    key = "event_id" if "event_id" in example else "request_id"
    body = json.dumps(example | {field: value, key: f"wrong-type-{field}"}).encode()
    stamp = str(int(NOW.timestamp()))
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(SECRET, stamp, body)}

    status, answer = server.request("POST", path, body, headers)

    assert (status, json.loads(answer).get("field")) == (422, field)
