package jp.nmi.egress.config;

/**
 * Limits of the egress service.
 *
 * @param maxFileBytes largest file that may be exported (results are summaries, not data)
 * @param maxRequestBytes largest total of one request
 * @param maxFiles most files in one request
 */
public record EgressSettings(long maxFileBytes, long maxRequestBytes, int maxFiles) {
    public static final EgressSettings DEFAULTS = new EgressSettings(32L << 20, 128L << 20, 50);
}
