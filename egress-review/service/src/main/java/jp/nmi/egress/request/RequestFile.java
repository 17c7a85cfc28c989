package jp.nmi.egress.request;

import java.time.Instant;

/**
 * One file of a request: its bytes live in quarantine under their SHA-256.
 *
 * @param name the normalised file name (as in the outbox)
 * @param type the lower-case extension
 * @param round the round in which this version of the file was added
 * @param checkStatus the automatic verdict: pass, review or fail
 * @param checkReport the automatic checks as JSON
 * @param metadata whether the metadata recorded when the output was made verified: verified, absent, invalid
 * @param cells the published cells with salted contributor hashes, as JSON (verified metadata only), or null
 */
public record RequestFile(String requestId, String name, String sha256, long size, String type, int round, String checkStatus,
        String checkReport, String metadata, String cells, String addedBy, Instant addedAt) {}
