package jp.nmi.enclave.io;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on a console stream (stderr), at most one per interval per task, and a final line. */
public final class ConsoleProgress implements Progress {
    private final PrintStream out;
    private final long intervalNanos;

    public ConsoleProgress(PrintStream out, long intervalMillis) {
        this.out = requireNonNull(out, "out is null");
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    @Override
    public Task start(String label, long total) {
        long started = System.nanoTime();
        return new Task() {
            private long done;
            private long lastReport = started;

            @Override
            public void advance(long n) {
                done += n;
                long now = System.nanoTime();
                if (now - lastReport >= intervalNanos) {
                    lastReport = now;
                    out.println(line(label, done, total, now - started, false));
                }
            }

            @Override
            public void close() {
                out.println(line(label, done, total, System.nanoTime() - started, true));
            }
        };
    }

    private static String line(String label, long done, long total, long nanos, boolean finished) {
        double seconds = nanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String amount = total > 0 && !finished
                ? String.format(Locale.ROOT, "%,d / %,d (%d%%)", done, total, Math.round(100.0 * done / total))
                : String.format(Locale.ROOT, "%,d", done);
        return String.format(Locale.ROOT, "  %-28s %s%s in %.1f s (%,.0f/s)", label, finished ? "done " : "", amount, seconds, rate);
    }
}
