package jp.nmi.egress.config;

import java.time.Duration;

/**
 * Limits of the egress service.
 *
 * @param maxFileBytes largest file that may be exported (results are summaries, not data)
 * @param maxRequestBytes largest total of one request
 * @param maxFiles most files in one request
 * @param intakeWorkers threads that copy files into quarantine and check them
 * @param intakeWait how long a create or add-files call waits for its files to be taken in before it answers that they are
 *     still being checked (a client that prefers not to wait says {@code Prefer: respond-async})
 */
public record EgressSettings(long maxFileBytes, long maxRequestBytes, int maxFiles, int intakeWorkers, Duration intakeWait) {
    /** One core is left to answer requests while the others check files. */
    public static final int DEFAULT_INTAKE_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    public static final Duration DEFAULT_INTAKE_WAIT = Duration.ofSeconds(60);
    public static final EgressSettings DEFAULTS = new EgressSettings(32L << 20, 128L << 20, 50);

    public EgressSettings {
        if (intakeWorkers < 1) {
            throw new IllegalArgumentException("intakeWorkers must be at least 1, not " + intakeWorkers);
        }
    }

    public EgressSettings(long maxFileBytes, long maxRequestBytes, int maxFiles) {
        this(maxFileBytes, maxRequestBytes, maxFiles, DEFAULT_INTAKE_WORKERS, DEFAULT_INTAKE_WAIT);
    }
}
