-- A conflict between the two stewards' decisions on a file is settled by a further decision with the
-- discussion that led to it: by either of them or a third independent steward, one per file and round.
CREATE TABLE file_resolution (
    request_id   text NOT NULL,
    round        int NOT NULL,
    file_name    text NOT NULL,
    resolver     text NOT NULL,
    decision     text NOT NULL CHECK (decision IN ('approve', 'changes', 'reject')),
    note         text NOT NULL CHECK (length(note) > 0),
    resolved_at  timestamptz NOT NULL,
    PRIMARY KEY (request_id, round, file_name),
    FOREIGN KEY (request_id, file_name) REFERENCES request_file (request_id, name)
);
