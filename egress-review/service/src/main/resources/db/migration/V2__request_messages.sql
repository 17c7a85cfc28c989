-- The stewards' messages to a request's author: why it was returned (what to change) or rejected,
-- one per round and kind, shown to the author on the request's page and in the API.
CREATE TABLE request_message (
    request_id  text NOT NULL REFERENCES export_request (id),
    round       int NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('return', 'reject')),
    sender      text NOT NULL,
    message     text NOT NULL,
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (request_id, round, kind)
);
