"""Microsoft Graph end to end against the fake Graph: subscriptions, notifications, lifecycle, delta, sync."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from bot.app import SERVICES, Services, create_app, open_services
from bot.commands.worker import calendar_notifications
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.graph_events import GRAPH_SELECT
from bot.ingest.graph_worker import LEASE, RETRY_AFTER
from bot.ingest.jobs import catch_up_graph, renew_graph_subscriptions, resume_notifications, sync_people
from bot.ingest.ports import CalendarLink
from bot.settings import Settings
from storage.inbound_queue import SqlInboundQueue
from storage.tables import PersonRow
from tests.fakes.clock import FakeClock
from tests.ingest.conftest import SAMPLE, body_of, outbox
from tests.ingest.fakes import FakeGraph, payload

UMEA = "olle.backman@mhs.example.se"
STOCKHOLM = "sofia.akesson@mhs.example.se"
EVENT_ID = "AAMkAGI1AAAt9AHjAAA="


async def _setup(services: Services, *emails: str) -> tuple[Organisation, dict[str, CalendarLink]]:
    organisation = await services.organisations.by_slug(SAMPLE)
    assert organisation is not None
    links = {}
    for email in emails:
        person = await services.people.by_email(organisation.id, email)
        assert isinstance(person, Person)
        links[email] = await services.ingest.graph.subscribe(organisation, person)
    return organisation, links


def _event(*, online: bool, etag: str = 'W/"1"', **changes: Any) -> dict[str, Any]:
    event = payload(
        "graph/event_umea.json",
        organiser=UMEA,
        organiser_name="Olle Backman",
        attendee=STOCKHOLM,
        attendee_name="Sofia",
    )
    event["isOnlineMeeting"] = online
    event["@odata.etag"] = etag
    if online:
        event["location"] = {"displayName": "Microsoft Teams-möte", "locationType": "default"}
    return event | changes


def _notification(
    link: CalendarLink, event_id: str, *, etag: str, change: str = "updated", state: str = ""
) -> bytes:
    data = payload(
        "graph/change_notification.json",
        subscription_id=link.external_id,
        client_state=state or link.secret,
        event_id=event_id,
        user_id="5bde3e51-d13b-4db1-9948-fe4b109d11a7",
    )
    data["value"][0]["changeType"] = change
    data["value"][0]["resourceData"]["@odata.etag"] = etag
    return body_of(data)


def _lifecycle(link: CalendarLink, name: str) -> bytes:
    return body_of(payload(f"graph/{name}.json", subscription_id=link.external_id, client_state=link.secret))


async def _post(client: TestClient, path: str, body: bytes) -> tuple[int, Any]:
    response = await client.post(path, data=body, headers={"Content-Type": "application/json"})
    return response.status, await response.json()


async def test_the_validation_handshake_echoes_the_token_as_plain_text(client: TestClient) -> None:
    request = payload("graph/validation_request.json")
    for path in ("/webhooks/graph", "/webhooks/graph/lifecycle"):
        response = await client.post(path, params=request["query"], headers=request["headers"])
        assert response.status == 200
        assert response.content_type == "text/plain"
        assert await response.text() == request["query"]["validationToken"]


async def test_subscribing_asks_graph_for_events_with_a_secret_client_state(
    services: Services, fake_graph: FakeGraph
) -> None:
    _, links = await _setup(services, STOCKHOLM)

    [subscription] = fake_graph.subscriptions.values()
    assert subscription["resource"] == f"/users/{STOCKHOLM}/events"
    assert subscription["changeType"] == "created,updated,deleted"
    assert subscription["notificationUrl"] == "https://remm.example.se/webhooks/graph"
    assert subscription["lifecycleNotificationUrl"] == "https://remm.example.se/webhooks/graph/lifecycle"
    assert subscription["clientState"] == links[STOCKHOLM].secret and len(links[STOCKHOLM].secret) >= 32
    assert fake_graph.token_requests[0]["scope"] == "https://graph.microsoft.com/.default"
    assert fake_graph.token_requests[0]["tenant"] == "1717622f-1d94-4d0c-9d74-709fad664b77"
    assert len(fake_graph.token_requests) == 1  # the token is cached


async def test_an_event_moved_from_online_to_umea_gives_one_nudge_and_a_repeat_nothing(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    _, links = await _setup(services, UMEA, STOCKHOLM)
    fake_graph.put_event(STOCKHOLM, _event(online=True, etag='W/"1"'))

    online = await _post(client, "/webhooks/graph", _notification(links[STOCKHOLM], EVENT_ID, etag='W/"1"'))
    await services.ingest.work.drain()
    assert online == (202, {"accepted": 1})
    assert await outbox(services) == []

    fake_graph.put_event(STOCKHOLM, _event(online=False, etag='W/"2"'))
    moved = await _post(client, "/webhooks/graph", _notification(links[STOCKHOLM], EVENT_ID, etag='W/"2"'))
    await services.ingest.work.drain()
    again = await _post(client, "/webhooks/graph", _notification(links[STOCKHOLM], EVENT_ID, etag='W/"2"'))
    await services.ingest.work.drain()

    assert (moved, again) == ((202, {"accepted": 1}), (202, {"accepted": 0}))
    rows = await outbox(services)
    assert len(rows) == 1 and rows[0].key.startswith("meeting:graph:040000008200E00074C5B7101A82E008")
    fetches = [query for method, path, query in fake_graph.requests if method == "GET" and EVENT_ID in path]
    assert fetches and all(query["$select"] == ",".join(GRAPH_SELECT) for query in fetches)
    assert all("subject" not in query["$select"] and "body" not in query["$select"] for query in fetches)


async def test_with_ingest_in_workers_the_web_process_answers_and_a_worker_process_evaluates(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, fake_graph: FakeGraph
) -> None:
    split = dataclasses.replace(settings, ingest_in_workers=True)
    web = await aiohttp_client(create_app(split, sample=True, clock=clock))
    services: Services = web.app[SERVICES]
    _, links = await _setup(services, UMEA, STOCKHOLM)
    fake_graph.put_event(STOCKHOLM, _event(online=False))

    answer = await _post(web, "/webhooks/graph", _notification(links[STOCKHOLM], EVENT_ID, etag='W/"1"'))
    await services.ingest.work.drain()
    assert answer == (202, {"accepted": 1})
    assert await outbox(services) == []  # recorded, left for the workers
    assert not [path for _, path, _ in fake_graph.requests if path.endswith(EVENT_ID)]

    worker = await open_services(split, migrate=False, clock=clock)  # as another process would
    try:
        async with calendar_notifications(worker), asyncio.timeout(10):
            while True:  # bounded by the timeout; the worker looks for work every 0.5 s
                if await outbox(services):
                    break
                await asyncio.sleep(0.02)
    finally:
        await worker.database.close()

    rows = await outbox(services)
    assert len(rows) == 1 and rows[0].key.startswith("meeting:graph:")
    assert len([path for _, path, _ in fake_graph.requests if path.endswith(EVENT_ID)]) == 1


async def test_a_notification_graph_could_not_answer_is_tried_again_after_a_while(
    client: TestClient, services: Services, fake_graph: FakeGraph, clock: FakeClock
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    fake_graph.put_event(STOCKHOLM, _event(online=False))
    fake_graph.failures = [503]

    await _post(client, "/webhooks/graph", _notification(links[STOCKHOLM], EVENT_ID, etag='W/"1"'))
    await services.ingest.work.drain()
    assert await outbox(services) == []
    assert await resume_notifications(services) == "0 notifications resumed"  # not at once: Graph is down

    clock.advance(seconds=RETRY_AFTER.total_seconds())
    summary = await resume_notifications(services)
    await services.ingest.work.drain()

    assert summary == "1 notifications resumed"
    assert len(await outbox(services)) == 1
    assert await resume_notifications(services) == "0 notifications resumed"


async def test_a_notification_held_by_a_process_that_died_is_worked_off_when_its_lease_ends(
    client: TestClient, services: Services, fake_graph: FakeGraph, clock: FakeClock
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    fake_graph.put_event(STOCKHOLM, _event(online=False))
    item = json.loads(_notification(links[STOCKHOLM], EVENT_ID, etag='W/"1"'))["value"][0]
    del item["clientState"]  # the inbound log keeps ids only
    other = SqlInboundQueue(services.database)  # another web process: it answered, claimed, and died
    try:
        await other.begin_many([("graph", "from-the-other-process", item)], now=clock.now())
        await other.claim(sources=["graph"], now=clock.now(), lease_until=clock.now() + LEASE, limit=10)
    finally:
        await other.close()

    assert await resume_notifications(services) == "0 notifications resumed"  # still held
    await services.ingest.work.drain()
    assert await outbox(services) == []

    clock.advance(seconds=LEASE.total_seconds())
    assert await resume_notifications(services) == "1 notifications resumed"
    await services.ingest.work.drain()

    assert len(await outbox(services)) == 1
    assert len([path for _, path, _ in fake_graph.requests if path.endswith(EVENT_ID)]) == 1


async def test_a_wrong_client_state_is_ignored_without_fetching(
    client: TestClient, services: Services, fake_graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    fake_graph.put_event(STOCKHOLM, _event(online=False))
    before = len(fake_graph.requests)

    answer = await _post(
        client, "/webhooks/graph", _notification(links[STOCKHOLM], EVENT_ID, etag="x", state="forged")
    )
    await services.ingest.work.drain()

    assert answer == (202, {"accepted": 0})
    assert len(fake_graph.requests) == before and await outbox(services) == []
    assert "clientState mismatch, ignored" in caplog.text and "forged" not in caplog.text


async def test_deleted_by_the_organiser_cancels_the_meeting_and_withdraws_the_nudge(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    _, links = await _setup(services, UMEA)
    fake_graph.put_event(UMEA, _event(online=False))
    await _post(client, "/webhooks/graph", _notification(links[UMEA], EVENT_ID, etag='W/"1"'))
    await services.ingest.work.drain()
    assert [row.state for row in await outbox(services)] == ["queued"]

    fake_graph.remove_event(UMEA, EVENT_ID)
    await _post(
        client, "/webhooks/graph", _notification(links[UMEA], EVENT_ID, etag='W/"2"', change="deleted")
    )
    await services.ingest.work.drain()

    assert [row.state for row in await outbox(services)] == ["withdrawn"]


async def test_a_missed_lifecycle_notification_is_caught_up_by_a_delta_query_keeping_no_subject(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    page = payload(
        "graph/delta_page.json",
        attendee=STOCKHOLM,
        attendee_name="Sofia",
        organiser=UMEA,
        organiser_name="Olle",
    )
    fake_graph.put_event(STOCKHOLM, page["value"][0])  # changed while no notification arrived

    answer = await _post(
        client, "/webhooks/graph/lifecycle", _lifecycle(links[STOCKHOLM], "lifecycle_missed")
    )
    await services.ingest.work.drain()

    assert answer == (202, {"accepted": 1})
    assert [row.key for row in await outbox(services)] == ["meeting:graph:" + page["value"][0]["iCalUId"]]
    assert "$deltatoken" in [k for _, p, q in fake_graph.requests if p.endswith("/delta") for k in q][-1:][0]
    async with services.database.session() as session:
        dump = json.dumps(
            [list(map(str, row)) for row in (await session.execute(text("SELECT * FROM meetings"))).all()]
        )
        dump += json.dumps([r.payload for r in await outbox(services)], ensure_ascii=False)
    assert "Budgetsamråd" not in dump and "budget" not in dump.lower() and "Lena" not in dump


async def test_an_expired_delta_token_starts_a_full_round(services: Services, fake_graph: FakeGraph) -> None:
    _, links = await _setup(services, STOCKHOLM)
    cursor = await services.ingest.links.cursor("graph", links[STOCKHOLM].person_id)
    assert cursor is not None
    fake_graph.expired_delta_tokens.add(cursor.rsplit("=", 1)[1])
    fake_graph.put_event(STOCKHOLM, _event(online=False))

    summary = await catch_up_graph(services)

    assert summary == "1 graph events caught up"
    assert len(await outbox(services)) == 1
    assert await services.ingest.links.cursor("graph", links[STOCKHOLM].person_id) != cursor


async def test_subscriptions_are_renewed_before_they_expire(
    services: Services, fake_graph: FakeGraph, clock: FakeClock
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    expires = links[STOCKHOLM].expires_at

    clock.advance(days=1)
    early = await renew_graph_subscriptions(services)
    clock.advance(days=1, hours=1)
    due = await renew_graph_subscriptions(services)

    assert (early, due) == ("0 graph subscriptions renewed", "1 graph subscriptions renewed")
    [renewed] = await services.ingest.graph_links()
    assert renewed.expires_at == clock.now().replace(microsecond=0) + timedelta(days=3)
    assert renewed.expires_at > expires
    [subscription] = fake_graph.subscriptions.values()
    assert subscription["expirationDateTime"].startswith(
        (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    )


async def test_lifecycle_reauthorization_renews_and_removal_recreates(
    client: TestClient, services: Services, fake_graph: FakeGraph
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    link = links[STOCKHOLM]

    await _post(client, "/webhooks/graph/lifecycle", _lifecycle(link, "lifecycle_reauthorization_required"))
    await services.ingest.work.drain()
    renewals = [path for method, path, _ in fake_graph.requests if method == "PATCH"]
    del fake_graph.subscriptions[link.external_id]  # Graph removed it
    await _post(client, "/webhooks/graph/lifecycle", _lifecycle(link, "lifecycle_subscription_removed"))
    await services.ingest.work.drain()

    assert renewals == [f"/v1.0/subscriptions/{link.external_id}"]
    [again] = await services.ingest.graph_links()
    assert again.external_id != link.external_id and again.external_id in fake_graph.subscriptions
    assert again.secret != link.secret


async def test_a_people_sync_from_graph_adds_updates_and_deactivates(
    services: Services, fake_graph: FakeGraph
) -> None:
    fake_graph.users = payload("graph/users.json")["value"]
    fake_graph.page_size = 2  # two pages

    summary = await sync_people(services)

    async with services.database.session() as session:
        people = {p.email: p for p in (await session.execute(select(PersonRow))).scalars()}
    new, karin = people["ny.medarbetare@mhs.example.se"], people["karin.sjoberg@mhs.example.se"]
    assert summary == f"{SAMPLE} (graph): +1 ~2 -{len(people) - 3}"
    assert (new.active, new.locale, new.manager_id, new.job_title) == (True, "en", karin.id, "Utredare")
    assert (karin.department, karin.active) == ("Samhällsplanering", True)
    assert people["johan.ekdahl@mhs.example.se"].active is False  # disabled account
    assert sum(p.active for p in people.values()) == 3
    offices = {o.id: o.name for o in await services.offices.list(new.organisation_id)}
    assert offices[new.office_id] == "Sundsvall" and offices[karin.office_id] == "Göteborg"


async def test_an_empty_directory_changes_nobody(services: Services, fake_graph: FakeGraph) -> None:
    fake_graph.users = []

    summary = await sync_people(services)

    assert summary == f"{SAMPLE}: not synced (DirectoryEmpty)"
    organisation = await services.organisations.by_slug(SAMPLE)
    assert organisation is not None
    assert len(await services.people.list(organisation.id)) == 61


async def test_notifications_that_come_together_are_fetched_in_one_json_batch_each_answered_alone(
    client: TestClient, services: Services, fake_graph: FakeGraph, clock: FakeClock
) -> None:
    _, links = await _setup(services, STOCKHOLM)
    ids = ["AAMkBusy=", "AAMkThere=", "AAMkGone="]
    for event_id in ids[:2]:
        fake_graph.put_event(STOCKHOLM, _event(online=False, id=event_id, iCalUId=f"uid-{event_id}"))
    fake_graph.failures_for["AAMkBusy="] = [503]  # Graph could not answer for that one
    items = [json.loads(_notification(links[STOCKHOLM], e, etag='W/"1"'))["value"][0] for e in ids]

    status, _ = await _post(client, "/webhooks/graph", body_of({"value": items}))
    await services.ingest.work.drain()

    assert status == 202
    asked = [(method, path) for method, path, _ in fake_graph.requests if "/events/" in path or "$" in path]
    one_by_one = sorted(("GET", f"/v1.0/users/{STOCKHOLM}/events/{e}") for e in ids)
    assert asked[0] == ("POST", "/v1.0/$batch") and sorted(asked[1:]) == one_by_one  # then as Graph runs them
    assert [row.key for row in await outbox(services)] == ["meeting:graph:uid-AAMkThere="]

    clock.advance(seconds=RETRY_AFTER.total_seconds())  # the one Graph could not answer, again
    assert await resume_notifications(services) == "1 notifications resumed"
    await services.ingest.work.drain()

    keys = {row.key for row in await outbox(services)}
    assert keys == {"meeting:graph:uid-AAMkThere=", "meeting:graph:uid-AAMkBusy="}
