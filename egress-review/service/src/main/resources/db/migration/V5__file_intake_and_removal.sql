-- Files are taken in (copied into quarantine, hashed, checked) by the service's intake workers, not
-- on the request thread: a row here is a file asked for and not yet taken in, or one that could not
-- be (failure says why). The token tells a later version of the same name from an earlier one.
CREATE TABLE file_intake (
    request_id    text NOT NULL REFERENCES export_request (id),
    name          text NOT NULL,
    round         int NOT NULL,
    token         text NOT NULL UNIQUE,
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL,
    failure       text,
    PRIMARY KEY (request_id, name)
);

-- The author may remove a file from a draft or returned request. Its row stays (earlier rounds'
-- reviews refer to it), marked with the round it left in; adding the name again brings it back.
ALTER TABLE request_file ADD COLUMN removed_in_round int;
