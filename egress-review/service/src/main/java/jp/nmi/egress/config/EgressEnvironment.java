package jp.nmi.egress.config;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import jp.nmi.egress.request.ReleaseHooks;
import jp.nmi.enclave.hdfs.EnclaveStorage;

/**
 * What the egress service runs against, built by whoever starts it (the CLI or a test): the
 * enclave's HDFS, its PostgreSQL, the key that verifies output records, and its limits.
 *
 * @param jdbcUrl the PostgreSQL database
 * @param dbUser its user
 * @param dbPassword its password (embedded: generated per enclave; production: {@code ENCLAVE_EGRESS_DB_PASSWORD}), or null
 * @param signingKey the enclave's output-signing key (HMAC)
 * @param login how users log in
 */
public record EgressEnvironment(EnclaveStorage storage, String jdbcUrl, String dbUser, String dbPassword, byte[] signingKey,
        EgressSettings settings, Clock clock, ReleaseHooks hooks, LoginSettings login) {
    public EgressEnvironment {
        requireNonNull(storage, "storage is null");
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        requireNonNull(signingKey, "signingKey is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(hooks, "hooks is null");
        requireNonNull(login, "login is null");
    }

    @Override
    public String toString() {
        return "EgressEnvironment[" + jdbcUrl + " as " + dbUser + "]";
    }
}
