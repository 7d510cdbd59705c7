-- apispm store, schema version 1 (SQLite). Times are epoch milliseconds; tallies are JSON.
CREATE TABLE batches (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    records     INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    applied_ms  INTEGER NOT NULL
);
CREATE TABLE aggregates (
    kind     INTEGER NOT NULL,
    service  TEXT NOT NULL,
    method   TEXT NOT NULL,
    path     TEXT NOT NULL,
    bucket   INTEGER NOT NULL,
    tally    TEXT NOT NULL,
    PRIMARY KEY (kind, service, method, path, bucket)
) WITHOUT ROWID;
CREATE INDEX aggregates_by_bucket ON aggregates (bucket);
CREATE TABLE endpoints (
    kind           INTEGER NOT NULL,
    service        TEXT NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    first_seen_ms  INTEGER,
    last_seen_ms   INTEGER,
    requests       INTEGER NOT NULL,
    PRIMARY KEY (kind, service, method, path)
) WITHOUT ROWID;
CREATE TABLE learners (
    id     INTEGER PRIMARY KEY,
    state  BLOB NOT NULL
);
CREATE TABLE checkpoints (
    source      TEXT PRIMARY KEY,
    file_id     TEXT NOT NULL,
    "offset"    INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
);
CREATE TABLE snapshots (
    id               INTEGER PRIMARY KEY,
    created_ms       INTEGER NOT NULL,
    window_start_ms  INTEGER NOT NULL,
    window_end_ms    INTEGER NOT NULL,
    endpoints        INTEGER NOT NULL,
    average_risk     REAL NOT NULL,
    open_findings    INTEGER NOT NULL,
    opened           INTEGER NOT NULL,
    resolved         INTEGER NOT NULL,
    reopened         INTEGER NOT NULL,
    metrics          TEXT NOT NULL,
    report           TEXT NOT NULL
);
CREATE TABLE snapshot_endpoints (
    snapshot_id     INTEGER NOT NULL REFERENCES snapshots (id),
    api_id          TEXT NOT NULL,
    service         TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    classification  TEXT NOT NULL,
    risk_score      REAL NOT NULL,
    requests        INTEGER NOT NULL,
    stale           INTEGER NOT NULL,
    assessment      TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, api_id)
);
CREATE INDEX snapshot_endpoints_by_api ON snapshot_endpoints (api_id);
CREATE TABLE findings (
    id               TEXT PRIMARY KEY,
    api_id           TEXT,
    kind             TEXT NOT NULL,
    key              TEXT NOT NULL,
    severity         TEXT NOT NULL,
    title            TEXT NOT NULL,
    service          TEXT,
    method           TEXT,
    path             TEXT,
    state            TEXT NOT NULL,
    first_opened_ms  INTEGER NOT NULL,
    opened_ms        INTEGER NOT NULL,
    resolved_ms      INTEGER,
    reopened         INTEGER NOT NULL,
    last_snapshot    INTEGER NOT NULL
);
CREATE INDEX findings_by_state ON findings (state);
CREATE TABLE finding_events (
    finding_id   TEXT NOT NULL,
    snapshot_id  INTEGER NOT NULL,
    at_ms        INTEGER NOT NULL,
    event        TEXT NOT NULL
);
CREATE INDEX finding_events_by_finding ON finding_events (finding_id);
CREATE TABLE remediations (
    finding_id   TEXT NOT NULL,
    opened_ms    INTEGER NOT NULL,
    resolved_ms  INTEGER NOT NULL
);
