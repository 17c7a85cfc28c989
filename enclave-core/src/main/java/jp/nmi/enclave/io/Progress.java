package jp.nmi.enclave.io;

/**
 * Progress of long-running work (ingest, demo data, extracts). Implementations decide how often to
 * report; callers advance as often as they like.
 */
public interface Progress {
    /** Reports nothing. */
    Progress NONE = (label, total) -> new Task() {
        @Override
        public void advance(long n) {}

        @Override
        public void close() {}
    };

    /** Starts a task of {@code total} units ({@code total <= 0}: unknown). */
    Task start(String label, long total);

    /** One task in progress. */
    interface Task extends AutoCloseable {
        void advance(long n);

        @Override
        void close();
    }
}
