package jp.nmi.egress.request;

/**
 * Called between the steps of a release: a test injects a crash at any of them and checks that
 * recovery finishes or rolls back, never half-releases. Production uses {@link #NONE}.
 */
@FunctionalInterface
public interface ReleaseHooks {
    ReleaseHooks NONE = (request, step) -> {};

    /** Steps: {@code approved}, {@code staged:<file>}, {@code staged}, {@code published}, {@code committed}. */
    void at(String request, String step);
}
