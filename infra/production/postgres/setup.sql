-- What a database administrator runs once for the enclave, as the database's owner, in the database
-- the egress service uses (psql -v ON_ERROR_STOP=1 -f setup.sql). Then set the two roles' passwords
-- (\password egress, \password enclave_audit) and give them to the services as secrets.
-- The anchor statements are those the embedded database runs (EnclaveDatabase.anchorSchema();
-- TestProductionConfiguration fails if they drift apart). Require TLS for both roles in pg_hba.conf:
--   hostssl <db> egress,enclave_audit 10.20.0.0/24 scram-sha-256

CREATE ROLE egress LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
CREATE ROLE enclave_audit LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
-- only the egress service creates objects, and only in its own schema
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO egress;
ALTER ROLE egress SET search_path = public;
ALTER ROLE enclave_audit SET search_path = pg_catalog;

-- the audit anchors: append-only, each writer its own log
CREATE SCHEMA IF NOT EXISTS audit_anchor AUTHORIZATION postgres;
CREATE TABLE IF NOT EXISTS audit_anchor.anchor (log text NOT NULL, seq bigint NOT NULL, hash text NOT NULL, anchored_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (log, seq));
CREATE OR REPLACE FUNCTION audit_anchor.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit anchors are never changed or removed'; END $$;
DROP TRIGGER IF EXISTS anchor_append_only ON audit_anchor.anchor;
CREATE TRIGGER anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor.anchor FOR EACH ROW EXECUTE FUNCTION audit_anchor.refuse();
REVOKE ALL ON SCHEMA audit_anchor FROM PUBLIC;
REVOKE ALL ON audit_anchor.anchor FROM PUBLIC;
GRANT USAGE ON SCHEMA audit_anchor TO egress, enclave_audit;
GRANT SELECT, INSERT ON audit_anchor.anchor TO egress, enclave_audit;
ALTER TABLE audit_anchor.anchor ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS anchors_read ON audit_anchor.anchor;
CREATE POLICY anchors_read ON audit_anchor.anchor FOR SELECT USING (true);
DROP POLICY IF EXISTS egress_anchors ON audit_anchor.anchor;
CREATE POLICY egress_anchors ON audit_anchor.anchor FOR INSERT TO egress WITH CHECK (log = 'egress');
DROP POLICY IF EXISTS enclave_anchors ON audit_anchor.anchor;
CREATE POLICY enclave_anchors ON audit_anchor.anchor FOR INSERT TO enclave_audit WITH CHECK (log = 'enclave');
