-- The egress service's schema. Requests, their files (by SHA-256 in quarantine), the stewards'
-- file-level reviews, the cells each release published (for differencing), and the hash-chained
-- audit trail written in the same transaction as every state change.

CREATE SEQUENCE export_request_number;

CREATE TABLE export_request (
    id                  text PRIMARY KEY,
    project             text NOT NULL,
    author              text NOT NULL,
    status              text NOT NULL CHECK (status IN ('draft', 'submitted', 'partially_reviewed', 'reviewed', 'approved',
                                                        'returned', 'rejected', 'released', 'withdrawn')),
    round               int NOT NULL DEFAULT 1,
    context             text NOT NULL,
    controls            text NOT NULL,
    profile             text NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    submitted_at        timestamptz,
    release_started_at  timestamptz,
    release_started_by  text,
    released_at         timestamptz,
    released_by         text
);
CREATE INDEX export_request_project ON export_request (project);
CREATE INDEX export_request_status ON export_request (status, submitted_at);

CREATE TABLE request_file (
    request_id    text NOT NULL REFERENCES export_request (id),
    name          text NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size          bigint NOT NULL CHECK (size >= 0),
    type          text NOT NULL,
    round         int NOT NULL,
    check_status  text NOT NULL CHECK (check_status IN ('pass', 'review', 'fail')),
    check_report  text NOT NULL,
    metadata      text NOT NULL CHECK (metadata IN ('verified', 'absent', 'invalid')),
    cells         text,
    added_by      text NOT NULL,
    added_at      timestamptz NOT NULL,
    PRIMARY KEY (request_id, name)
);

CREATE TABLE review (
    request_id       text NOT NULL,
    round            int NOT NULL,
    file_name        text NOT NULL,
    reviewer         text NOT NULL,
    decision         text NOT NULL CHECK (decision IN ('approve', 'changes', 'reject')),
    public_comment   text NOT NULL DEFAULT '',
    private_comment  text NOT NULL DEFAULT '',
    decided_at       timestamptz NOT NULL,
    PRIMARY KEY (request_id, round, file_name, reviewer),
    FOREIGN KEY (request_id, file_name) REFERENCES request_file (request_id, name)
);

-- What each release published, cell by cell, as salted hashes of contributors (never pseudonyms).
CREATE TABLE released_cell (
    project       text NOT NULL,
    request_id    text NOT NULL REFERENCES export_request (id),
    file_name     text NOT NULL,
    label         text NOT NULL,
    contributors  text[] NOT NULL
);
CREATE INDEX released_cell_project ON released_cell (project);

CREATE TABLE audit_event (
    seq            bigint PRIMARY KEY,
    at             text NOT NULL,
    actor          text NOT NULL,
    project        text,
    action         text NOT NULL,
    outcome        text NOT NULL,
    details        text NOT NULL,
    previous_hash  text NOT NULL,
    hash           text NOT NULL
);
CREATE TABLE audit_head (
    id    int PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  text NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the service never updates or deletes an audit event. (A database superuser can
-- still drop this trigger; the hash chain is what detects that.)
CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% on event %)', TG_OP, OLD.seq;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
