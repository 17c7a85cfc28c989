-- What the public data-use register says of a request once it is released: written by its author as
-- public text, seen by the stewards who review the request. Without one, the register shows that
-- the outputs were released and not what they are (the request's context is for the stewards only).
CREATE TABLE public_description (
    request_id text PRIMARY KEY REFERENCES export_request (id),
    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    set_by text NOT NULL,
    set_at timestamptz NOT NULL
);
