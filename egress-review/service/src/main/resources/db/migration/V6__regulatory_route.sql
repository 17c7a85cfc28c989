-- The regulatory route: record-level data for a named regulator (pharmaceutical approval), allowed
-- only for projects whose spec declares it. The regulator is one of the enclave's list
-- (jp.nmi.enclave.project.Regulator), checked by the service; the purpose is copied from the spec
-- as it stood when the request was made, for the package's manifest.
ALTER TABLE export_request ADD COLUMN regulator text;
ALTER TABLE export_request ADD COLUMN regulatory_purpose text;
ALTER TABLE export_request ADD CONSTRAINT regulatory_has_purpose CHECK ((regulator IS NULL) = (regulatory_purpose IS NULL));
