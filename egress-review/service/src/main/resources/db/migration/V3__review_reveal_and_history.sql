-- A decision changed after both stewards' reviews of the round were in (and visible to each other)
-- is marked as such, for the other steward, the author and the audit.
ALTER TABLE review ADD COLUMN revised_after_reveal boolean NOT NULL DEFAULT false;

-- A request's history is read from the audit trail by its id: indexed, not a scan of every event.
CREATE INDEX audit_event_request ON audit_event ((details::jsonb ->> 'request'));
