"""The statements of the event-to-outbox path (``storage.nudge_events``), for PostgreSQL and SQLite.

PostgreSQL gets one statement per step (lists as arrays, several writes in one statement through
data-modifying WITH clauses); SQLite, in the same process and without round trips, gets plainer ones.
"""

# ruff: noqa: S608 -- every statement is built from the constants below; values always go as parameters

from __future__ import annotations

_PERSON = (
    "p.id, p.email, p.name, p.office_id, p.department, p.manager_id, p.job_title, p.permissions, "
    "p.fte, p.locale, p.timezone, p.active, p.last_channel"
)
_CONTEXT = (
    "SELECT o.id, o.slug, o.name, o.timezone, o.default_locale, o.default_channel, o.settings, "
    f"{_PERSON}, f.id, f.name, f.place_key, f.place_name, f.lat, f.lon "
    "FROM organisations o "
    "LEFT JOIN people p ON p.organisation_id = o.id AND p.email {emails} "
    "LEFT JOIN offices f ON f.id = p.office_id "
    "WHERE o.id = {organisation}"
)
CONTEXT_PG = _CONTEXT.format(emails="= ANY($2::text[])", organisation="$1")
CONTEXT_SQLITE = _CONTEXT.format(emails="IN (SELECT value FROM json_each(?2))", organisation="?1")

# The locks in key order (so two units never wait on each other in a ring), and custom plans for the
# rest of the transaction. These tables start empty and grow fast; a generic plan is made once per pooled
# connection and kept, so one made on the first events stays with what suited empty tables (an index on
# the organisation alone, scanning all its nudges): measured 29 ms of server CPU per event after 1,500
# events, against 3 ms. A custom plan sees the tables as they are now; its planning costs a fraction of
# a millisecond per statement, and a statement carries a whole batch of events.
LOCK_PG = (
    "SELECT pg_advisory_xact_lock(hashtext(k)), set_config('plan_cache_mode', 'force_custom_plan', true) "
    "FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS ordered"
)

_MEETING_COLUMNS = (
    "organisation_id, source, event_id, series_id, organiser_id, start_at, end_at, place_key, "
    "place_name, online, external_attendees, status, fingerprint, updated_at"
)
_MEETING_UPSERT = (
    f"INSERT INTO meetings ({_MEETING_COLUMNS}) VALUES ({{values}}) "
    "ON CONFLICT (organisation_id, source, event_id) DO UPDATE SET "
    + ", ".join(
        f"{column} = EXCLUDED.{column}"
        for column in _MEETING_COLUMNS.split(", ")
        if column not in ("organisation_id", "source", "event_id")
    )
)
# One statement for every meeting of a batch: the upserts (nothing for a meeting stored with the same
# fingerprint), then each saved meeting's attendees made to match. xmax is 0 on a row this statement
# inserted, so it tells a new meeting from an update. A batch never holds the same meeting twice (an
# upsert cannot touch one row twice in a statement).
_MEETING_INPUT_TYPES = (
    "text[]", "text[]", "text[]", "int[]", "timestamptz[]", "timestamptz[]", "text[]", "text[]",
    "bool[]", "int[]", "text[]", "text[]",
)  # fmt: skip
SAVE_MEETINGS_PG = (
    "WITH input AS (SELECT * FROM unnest("
    + ", ".join(f"${n}::{t}" for n, t in enumerate(_MEETING_INPUT_TYPES, start=2))
    + ") AS i(source, event_id, series_id, organiser_id, start_at, end_at, place_key, place_name, online, "
    "external_attendees, status, fingerprint)), "
    "saved AS ("
    + _MEETING_UPSERT.format(values="").replace(
        "VALUES ()",
        "SELECT $1, i.source, i.event_id, i.series_id, i.organiser_id, i.start_at, i.end_at, i.place_key, "
        "i.place_name, i.online, i.external_attendees, i.status, i.fingerprint, $14 FROM input i",
    )
    + " WHERE meetings.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint"
    " RETURNING id, source, event_id, NOT (xmax = 0) AS existed), "
    "wanted AS (SELECT * FROM unnest($15::text[], $16::text[], $17::int[]) "
    "AS w(source, event_id, person_id)), "
    "gone AS (DELETE FROM meeting_attendees a USING saved WHERE a.meeting_id = saved.id AND NOT EXISTS "
    "(SELECT 1 FROM wanted w WHERE w.source = saved.source AND w.event_id = saved.event_id "
    "AND w.person_id = a.person_id)), "
    "added AS (INSERT INTO meeting_attendees (meeting_id, person_id) "
    "SELECT saved.id, w.person_id FROM saved JOIN wanted w "
    "ON w.source = saved.source AND w.event_id = saved.event_id ON CONFLICT DO NOTHING) "
    "SELECT source, event_id, id, existed FROM saved"
)
MEETING_SQLITE = (
    "SELECT id, fingerprint FROM meetings WHERE organisation_id = ?1 AND source = ?2 AND event_id = ?3"
)
SAVE_MEETING_SQLITE = (
    _MEETING_UPSERT.format(values=", ".join(f"?{n}" for n in range(1, 15))) + " RETURNING id"
)
ATTENDEES_GONE_SQLITE = (
    "DELETE FROM meeting_attendees WHERE meeting_id = ?1 "
    "AND person_id NOT IN (SELECT value FROM json_each(?2))"
)
ATTENDEES_ADDED_SQLITE = (
    "INSERT INTO meeting_attendees (meeting_id, person_id) "
    "SELECT ?1, value FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING"
)

# Per (person, subject) pair: preferences, the nudge on this subject and its outbox state, and the nudge
# history (delivered or queued since a moment, with the choice made) as a JSON list.
_STATES = (
    "SELECT p.id, r.person_id IS NOT NULL, r.opted_out, r.snoozed_until, r.paused_until, r.pause_asked, "
    "r.variant, r.privacy_notice_seen, r.locale, n.id, n.status, o.state, {reserve}, p.subject, "
    "(SELECT {aggregate}(json_array_of(COALESCE(b.sent_at, b.next_attempt_at), "
    "(SELECT h.choice FROM nudges h WHERE h.organisation_id = b.organisation_id "
    "AND h.person_id = b.person_id AND h.subject = b.key))) "
    "FROM outbox b WHERE b.person_id = p.id AND b.kind = 'nudge' AND b.state <> 'withdrawn' "
    "AND b.next_attempt_at >= {since}) "
    "FROM {people} {joins}"
)
# PostgreSQL: each pair's rows are looked up by index, one pair at a time (LATERAL ... LIMIT 1), whatever
# the planner guesses of the array's length: a generic plan of plain joins chose hash joins over whole
# tables, three times the cost for one event, and growing with the tables.
_STATES_JOINS_PG = (
    "LEFT JOIN LATERAL (SELECT * FROM preferences WHERE person_id = p.id LIMIT 1) AS r ON true "
    "LEFT JOIN LATERAL (SELECT id, status FROM nudges WHERE organisation_id = $4 AND person_id = p.id "
    "AND subject = p.subject LIMIT 1) AS n ON true "
    "LEFT JOIN LATERAL (SELECT state FROM outbox WHERE person_id = p.id AND key = p.subject "
    "AND kind = 'nudge' LIMIT 1) AS o ON true"
)
# PostgreSQL reserves the id of each new nudge here, so that its message (which carries the id) can be
# composed before the nudge is written, and nudge, message and preferences go in one statement.
STATES_PG = _STATES.format(
    aggregate="json_agg",
    since="$3",
    people="unnest($1::int[], $2::text[]) AS p(id, subject)",
    joins=_STATES_JOINS_PG,
    reserve="CASE WHEN n.id IS NULL THEN nextval(pg_get_serial_sequence('nudges', 'id')) END",
).replace("json_array_of", "json_build_array")
STATES_SQLITE = _STATES.format(
    aggregate="json_group_array",
    since="?3",
    people="(SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS subject "
    "FROM json_each(?1)) AS p",
    joins="LEFT JOIN preferences r ON r.person_id = p.id "
    "LEFT JOIN nudges n ON n.organisation_id = ?4 AND n.person_id = p.id AND n.subject = p.subject "
    "LEFT JOIN outbox o ON o.person_id = p.id AND o.key = p.subject AND o.kind = 'nudge'",
    reserve="NULL",
).replace("json_array_of", "json_array")

NUDGE_COLUMNS = (
    "organisation_id, person_id, subject, trigger, meeting_id, trip_id, decision, reason, variant, "
    "status, mode, destination_name, trip_date, estimate, created_at, updated_at"
)
# The types of the columns above, less created_at and updated_at (one moment for both).
_NUDGE_TYPES = (
    "int[]",
    "int[]",
    "text[]",
    "text[]",
    "int[]",
    "int[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "date[]",
    "text[]",
    "timestamptz[]",
)
_INSERT_NUDGES_PG = (
    f"INSERT INTO nudges (id, {NUDGE_COLUMNS}) "
    "SELECT u.id, u.organisation_id, u.person_id, u.subject, u.trigger, u.meeting_id, u.trip_id, "
    "u.decision, u.reason, u.variant, u.status, u.mode, u.destination_name, u.trip_date, "
    "CAST(u.estimate AS json), u.moment, u.moment "
    f"FROM unnest($17::int[], {', '.join(f'${n}::{t}' for n, t in enumerate(_NUDGE_TYPES, start=18))}) "
    "AS u(id, organisation_id, person_id, subject, trigger, meeting_id, trip_id, decision, reason, "
    "variant, status, mode, destination_name, trip_date, estimate, moment)"
)
INSERT_NUDGE_SQLITE = (
    f"INSERT INTO nudges ({NUDGE_COLUMNS}) VALUES ({', '.join(f'?{n}' for n in range(1, 16))}, ?15) "
    "RETURNING id"
)

_OUTBOX_COLUMNS = (
    "organisation_id, person_id, key, kind, channel, payload, state, attempts, next_attempt_at, "
    "redelivered, created_at, updated_at"
)
_PREFERENCE_COLUMNS = (
    "person_id, organisation_id, opted_out, snoozed_until, paused_until, pause_asked, variant, "
    "privacy_notice_seen, locale, updated_at"
)
_PREFERENCE_UPSERT = (
    f"INSERT INTO preferences ({_PREFERENCE_COLUMNS}) {{source}} ON CONFLICT (person_id) DO UPDATE SET "
    + ", ".join(
        f"{column} = EXCLUDED.{column}"
        for column in _PREFERENCE_COLUMNS.split(", ")
        if column not in ("person_id", "organisation_id")
    )
)
# New nudges (with their reserved ids), outbox rows and preferences in one statement; the outbox rows
# keep the ON CONFLICT DO NOTHING of storage.outbox.enqueue.
RECORD_PG = (
    "WITH decided AS (" + _INSERT_NUDGES_PG + " RETURNING 1), "
    f"queued AS (INSERT INTO outbox ({_OUTBOX_COLUMNS}) "
    "SELECT $1, u.person_id, u.key, u.kind, u.channel, CAST(u.payload AS json), 'queued', 0, u.due_at, 0, "
    "u.due_at, u.due_at "
    "FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) "
    "AS u(person_id, key, kind, channel, payload, due_at) ON CONFLICT DO NOTHING RETURNING 1), "
    "preferred AS ("
    + _PREFERENCE_UPSERT.format(
        source="SELECT v.person_id, $1, v.opted_out, v.snoozed_until, v.paused_until, v.pause_asked, "
        "v.variant, v.privacy_notice_seen, v.locale, $15 "
        "FROM unnest($8::int[], $9::bool[], $10::timestamptz[], $11::timestamptz[], $12::bool[], "
        "$13::text[], $14::bool[], $16::text[]) "
        "AS v(person_id, opted_out, snoozed_until, paused_until, pause_asked, variant, "
        "privacy_notice_seen, locale)"
    )
    + " RETURNING 1) "
    "SELECT (SELECT count(*) FROM decided), (SELECT count(*) FROM queued), (SELECT count(*) FROM preferred)"
)
ENQUEUE_SQLITE = (
    f"INSERT INTO outbox ({_OUTBOX_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7, 0, ?7, ?7) "
    "ON CONFLICT DO NOTHING"
)
SAVE_PREFERENCES_SQLITE = _PREFERENCE_UPSERT.format(
    source="VALUES (" + ", ".join(f"?{n}" for n in range(1, 11)) + ")"
)
