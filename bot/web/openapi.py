"""``GET /openapi.json``: our webhooks as OpenAPI 3.1, generated from the pydantic models that validate
them (``bot.ingest.shapes``), so the document cannot drift from what is accepted."""

from __future__ import annotations

from functools import cache
from typing import Any, Final, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.ingest.shapes import CalendarEventShape, TravelRequestShape
from bot.ingest.signatures import MAX_AGE_SECONDS, ORGANISATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

_REF: Final = "#/components/schemas/{model}"
_ERROR: Final = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. invalid_field, bad_signature."},
        "detail": {"type": "string", "description": "What is wrong, for people."},
        "field": {"type": "string", "description": "The field or header that is wrong, when there is one."},
    },
}
_ACCEPTED: Final = {
    "type": "object",
    "required": ["status", "organisation", "unchanged", "nudges", "decisions", "withdrawn"],
    "properties": {
        "status": {"const": "accepted"},
        "organisation": {"type": "string"},
        "unchanged": {"type": "boolean", "description": "The same event was received before: nothing new."},
        "nudges": {"type": "integer", "description": "Nudges queued by this event."},
        "decisions": {
            "type": "integer",
            "description": "Decisions recorded (sent or suppressed, with reason).",
        },
        "withdrawn": {"type": "integer", "description": "Unsent nudges withdrawn (moved online, cancelled)."},
    },
}
_ERRORS: Final = {
    "400": "Malformed JSON (or a NUL character, \\u0000, anywhere in it), or X-Remm-Organisation missing "
    "while there are several organisations.",
    "401": "Missing or wrong signature, or a timestamp more than five minutes away.",
    "403": "Webhooks are not configured: no WEBHOOK_SECRET and no organisation secret.",
    "404": "Unknown organisation in X-Remm-Organisation.",
    "409": "Replayed: this signature was received before.",
    "413": "The body is larger than 1 MB.",
    "422": "A field is missing, mistyped or refused (unknown person or place, a date in the past); "
    "`field` names it.",
    "429": "Too many requests from this source (per-source rate limit); try again after Retry-After.",
    "503": "The database is unavailable; nothing was accepted, try again after Retry-After.",
}
# The statuses that come with Retry-After (bot/web/rate_limit.py, bot/web/middleware.py).
_RETRY_AFTER: Final = frozenset({"429", "503"})
# One request of each kind, from people of the sample organisation (`remm-bot serve --sample`). Also the
# explicit examples schemathesis sends first (tests/hardening/test_openapi_conformance.py).
CALENDAR_EXAMPLE: Final = {
    "source": "booking-system",
    "event_id": "B-77",
    "organiser_email": "olle.backman@mhs.example.se",
    "start": "2030-01-15T10:00:00+01:00",
    "end": "2030-01-15T15:00:00+01:00",
    "location": "MHS Umeå, Storgatan 12",
    "online": False,
    "attendees": [{"email": "olle.backman@mhs.example.se"}, {"email": "sofia.akesson@mhs.example.se"}],
    "external_attendees": 1,
    "status": "confirmed",
}
TRAVEL_EXAMPLE: Final = {
    "request_id": "TR-1001",
    "requester_email": "sofia.akesson@mhs.example.se",
    "origin": "Stockholm",
    "destination": "Luleå",
    "departure_date": "2030-01-22",
    "return_date": "2030-01-23",
    "travellers": 1,
    "mode": "flight",
    "status": "draft",
}


def _headers() -> list[dict[str, Any]]:
    return [
        {
            "name": TIMESTAMP_HEADER,
            "in": "header",
            "required": True,
            "description": f"Unix seconds when the request was signed; refused when more than "
            f"{MAX_AGE_SECONDS // 60} minutes from the server's clock.",
            "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
        },
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "description": 'sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> with the webhook secret '
            "(the organisation's settings.webhook_secret, else WEBHOOK_SECRET). "
            "Each signature is accepted once.",
            "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
        },
        {
            "name": ORGANISATION_HEADER,
            "in": "header",
            "required": False,
            "description": "The organisation's id (slug); required unless there is exactly one organisation.",
            "schema": {"type": "string"},
        },
    ]


def _operation(summary: str, schema: str, description: str, example: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "202": {
            "description": "Accepted and evaluated by the nudge engine.",
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Accepted")}}},
        }
    }
    for status, text in _ERRORS.items():
        responses[status] = {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
        if status in _RETRY_AFTER:
            responses[status]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            }
    return {
        "summary": summary,
        "description": description,
        "parameters": _headers(),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": _REF.format(model=schema)},
                    "examples": {"sample": {"summary": "The sample organisation", "value": example}},
                }
            },
        },
        "responses": responses,
        "security": [{"remmSignature": []}],
    }


@cache
def openapi_document() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Literal["validation"]]] = [
        (CalendarEventShape, "validation"),
        (TravelRequestShape, "validation"),
    ]
    keys, defs = models_json_schema(models, ref_template=_REF)
    schemas = dict(defs.get("$defs", {})) | {"Error": _ERROR, "Accepted": _ACCEPTED}
    calendar = keys[(CalendarEventShape, "validation")]["$ref"].rsplit("/", 1)[-1]
    travel = keys[(TravelRequestShape, "validation")]["$ref"].rsplit("/", 1)[-1]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "remm-bot webhooks",
            "version": "1",
            "description": "Calendar events and travel requests from other systems, in the shapes of "
            "design 4.6. Send a meeting when it is planned or changed and a travel request at draft or "
            "submitted: the nudge goes out before anything is booked. The same event again changes "
            "nothing; a status change never nudges twice; cancelled withdraws an unsent nudge.",
        },
        "paths": {
            "/webhooks/calendar": {
                "post": _operation(
                    "A calendar event (created, moved or cancelled)",
                    calendar,
                    "Idempotent by (source, event_id). Never send a title or body: they are not accepted.",
                    CALENDAR_EXAMPLE,
                )
            },
            "/webhooks/travel": {
                "post": _operation(
                    "A travel request (draft, submitted, approved, booked or cancelled)",
                    travel,
                    "Idempotent by request_id. `purpose` is accepted but never stored.",
                    TRAVEL_EXAMPLE,
                )
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "remmSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": SIGNATURE_HEADER,
                    "description": f"HMAC-SHA256 signature; see the {SIGNATURE_HEADER} parameter.",
                }
            },
        },
    }
