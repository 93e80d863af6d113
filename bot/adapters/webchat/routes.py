"""The web chat's HTTP routes (the page, its JSON API and its event stream)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bot.adapters.webchat.hub import WebchatHub
from bot.adapters.webchat.store import WebchatStore, entry_json
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.handlers.router import Router
from bot.messages import Reply
from bot.ports import Clock, Offices, Organisations, People
from bot.web.json_body import field, read_object
from bot.web.middleware import JsonHttpError
from storage.inbound import SqlInboundLog
from storage.webchat import WebchatSession

log = logging.getLogger(__name__)

STATIC: Final = Path(__file__).parent / "static"
COOKIE: Final = "remm_webchat"
CLIENT_ID: Final = re.compile(r"^[A-Za-z0-9-]{8,64}$")
POLL_SECONDS: Final = 2.0
KEEPALIVE_SECONDS: Final = 15.0


@dataclass
class WebchatDeps:
    organisations: Organisations
    people: People
    offices: Offices
    store: WebchatStore
    inbound: SqlInboundLog
    router: Router
    hub: WebchatHub
    clock: Clock
    loopback: bool
    secure_cookie: bool = False


class WebchatApi:
    """The routes exist from the start; their dependencies arrive once the app's services are open."""

    def __init__(self, deps: Callable[[], WebchatDeps]) -> None:
        self._deps = deps

    @property
    def d(self) -> WebchatDeps:
        return self._deps()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/", self.index),
            web.static("/webchat/static", STATIC),
            web.get("/webchat/api/people", self.people),
            web.post("/webchat/api/session", self.open_session),
            web.get("/webchat/api/session", self.current_session),
            web.get("/webchat/api/messages", self.history),
            web.post("/webchat/api/messages", self.post_message),
            web.post("/webchat/api/actions", self.post_action),
            web.get("/webchat/api/events", self.events),
        ]

    async def index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def people(self, _request: web.Request) -> web.Response:
        self._require_loopback()
        organisation = await self._organisation()
        offices = {o.id: o.name for o in await self.d.offices.list(organisation.id)}
        people = [_person_json(p, offices) for p in await self.d.people.list(organisation.id)]
        return web.json_response({"organisation": organisation.name, "people": people})

    async def open_session(self, request: web.Request) -> web.Response:
        self._require_loopback()
        person_id = field(await read_object(request), "person_id", int)
        organisation = await self._organisation()
        person = await self.d.people.by_id(person_id)
        if person is None or person.organisation_id != organisation.id or not person.active:
            raise JsonHttpError(404, "not_found", f"no active person with id {person_id}")
        session = await self.d.store.open_session(
            organisation_id=organisation.id, person_id=person.id, now=self.d.clock.now()
        )
        await self.d.people.link_identity(
            person.id, kind="webchat", realm=organisation.slug, external_id=str(person.id)
        )
        offices = {o.id: o.name for o in await self.d.offices.list(organisation.id)}
        response = web.json_response({"person": _person_json(person, offices)})
        response.set_cookie(
            COOKIE,
            session.token,
            httponly=True,
            samesite="Strict",
            secure=self.d.secure_cookie,
            path="/",
            max_age=30 * 24 * 3600,
        )
        return response

    async def current_session(self, request: web.Request) -> web.Response:
        _session, person = await self._who(request)
        offices = {o.id: o.name for o in await self.d.offices.list(person.organisation_id)}
        return web.json_response({"person": _person_json(person, offices)})

    async def history(self, request: web.Request) -> web.Response:
        _session, person = await self._who(request)
        after = request.query.get("after", "0")
        if not after.isdigit():
            raise JsonHttpError(400, "invalid_field", "after must be a message id (a whole number)")
        entries = await self.d.store.history(person.id, after=int(after))
        return web.json_response({"messages": [entry_json(e) for e in entries]})

    async def post_message(self, request: web.Request) -> web.Response:
        session, person = await self._who(request)
        data = await read_object(request)
        text, client_id = field(data, "text", str), _client_id(data)
        if not text.strip():
            raise JsonHttpError(400, "invalid_field", "text is empty")
        organisation = await self._organisation_of(session)

        async def work() -> Reply:
            turn = await self.d.router.turn(organisation, person, "webchat")
            return await self.d.router.on_message(turn, text)

        return await self._once(person, f"message:{client_id}", work, message_id=None)

    async def post_action(self, request: web.Request) -> web.Response:
        session, person = await self._who(request)
        data = await read_object(request)
        action_id, value = (
            field(data, "action_id", str),
            field(data, "value", str, required=False, default=""),
        )
        message_id = field(data, "message_id", int, required=False)
        inputs = field(data, "inputs", dict, required=False, default={})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in inputs.items()):
            raise JsonHttpError(400, "invalid_field", "inputs must map input ids to text")
        organisation = await self._organisation_of(session)

        async def work() -> Reply:
            turn = await self.d.router.turn(organisation, person, "webchat")
            return await self.d.router.on_action(turn, action_id, value, inputs)

        return await self._once(person, f"action:{_client_id(data)}", work, message_id=message_id)

    async def _once(self, person: Person, key: str, work: Any, *, message_id: int | None) -> web.Response:
        """Commit the inbound row first; a retried request (same client id) gets the first answer again."""
        now = self.d.clock.now()
        entry_id = await self.d.inbound.begin(
            source="webchat", delivery_id=f"{person.id}:{key}", payload={"person_id": person.id}, now=now
        )
        if entry_id is None:
            return await self._replay(person, key)
        reply: Reply = await work()
        added = [
            await self.d.store.add(
                organisation_id=person.organisation_id,
                person_id=person.id,
                payload=m.to_dict(),
                now=self.d.clock.now(),
            )
            for m in reply.messages
        ]
        updated = []
        if reply.update is not None and message_id is not None:
            replaced = await self.d.store.replace(
                message_id, person_id=person.id, payload=reply.update.to_dict(), now=self.d.clock.now()
            )
            updated = [replaced] if replaced else []
        await self.d.inbound.finish(
            entry_id,
            now=self.d.clock.now(),
            result={"messages": [e.id for e in added], "updated": [e.id for e in updated]},
        )
        return web.json_response(
            {"messages": [entry_json(e) for e in added], "updated": [entry_json(e) for e in updated]}
        )

    async def _replay(self, person: Person, key: str) -> web.Response:
        seen = await self.d.inbound.seen(source="webchat", delivery_id=f"{person.id}:{key}")
        if seen is None or seen.state != "done" or not seen.payload:
            raise JsonHttpError(409, "conflict", "this request is still being answered; try again shortly")
        messages = await self.d.store.by_ids(person.id, seen.payload.get("messages", []))
        updated = await self.d.store.by_ids(person.id, seen.payload.get("updated", []))
        return web.json_response(
            {"messages": [entry_json(e) for e in messages], "updated": [entry_json(e) for e in updated]}
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        _session, person = await self._who(request)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue = self.d.hub.subscribe(person.id)
        try:
            await self._stream(request, response, person.id, queue)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.d.hub.unsubscribe(person.id, queue)
        return response

    async def _stream(
        self, request: web.Request, response: web.StreamResponse, person_id: int, queue: asyncio.Queue[Any]
    ) -> None:
        """Push this process's events at once; every few seconds also pick up other processes' writes."""
        sent: dict[int, str] = {}
        since, quiet = self.d.clock.now(), 0.0
        await response.write(b": connected\n\n")
        while not self.d.hub.closing.is_set() and not _gone(request):
            try:
                kind, entry = await asyncio.wait_for(queue.get(), timeout=POLL_SECONDS)
                await _send(response, kind, entry, sent)
                continue
            except TimeoutError:
                quiet += POLL_SECONDS
            for entry in await self.d.store.changed_since(person_id, since=since - timedelta(seconds=1)):
                await _send(
                    response, "update" if entry.created_at < entry.updated_at else "message", entry, sent
                )
            since = self.d.clock.now()
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                await response.write(b": keepalive\n\n")

    async def _who(self, request: web.Request) -> tuple[WebchatSession, Person]:
        token = request.cookies.get(COOKIE, "")
        session = await self.d.store.session_for(token, now=self.d.clock.now()) if token else None
        person = await self.d.people.by_id(session.person_id) if session else None
        if session is None or person is None or not person.active:
            raise JsonHttpError(401, "unauthorized", "choose who you are first (POST /webchat/api/session)")
        return session, person

    def _require_loopback(self) -> None:
        if not self.d.loopback:
            raise JsonHttpError(
                403,
                "forbidden",
                "the web chat's person picker is open only when the bot is bound to a loopback "
                "address; use Slack or Teams here",
            )

    async def _organisation(self) -> Organisation:
        organisations = await self.d.organisations.all()
        if not organisations:
            raise JsonHttpError(
                503, "unavailable", "there is no organisation yet; run `remm-bot serve --sample`"
            )
        return organisations[0]

    async def _organisation_of(self, session: WebchatSession) -> Organisation:
        organisation = await self.d.organisations.by_id(session.organisation_id)
        if organisation is None:
            raise JsonHttpError(401, "unauthorized", "the organisation of this session is gone")
        return organisation


async def _send(response: web.StreamResponse, kind: str, entry: Any, sent: dict[int, str]) -> None:
    payload = json.dumps(entry_json(entry), ensure_ascii=False)
    if sent.get(entry.id) == payload:
        return  # this very version already went out (published here and found by the poll)
    sent[entry.id] = payload
    await response.write(f"id: {entry.id}\nevent: {kind}\ndata: {payload}\n\n".encode())


def _gone(request: web.Request) -> bool:
    """aiohttp no longer cancels a handler when its client leaves, so the stream checks for itself."""
    return request.transport is None or request.transport.is_closing()


def _client_id(data: dict[str, Any]) -> str:
    client_id = field(data, "client_id", str)
    if not CLIENT_ID.match(client_id):
        raise JsonHttpError(400, "invalid_field", "client_id must be 8-64 letters, digits or dashes (a UUID)")
    return str(client_id)


def _person_json(person: Person, offices: dict[int, str]) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "office": offices.get(person.office_id or 0, ""),
        "department": person.department,
        "locale": person.locale,
    }
