package jp.nmi.egress.ops;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.egress.request.RequestStatus;

/**
 * The egress service's metrics, read from its database at most once a second (so they are right
 * after a restart and the same whichever instance is asked): requests by state, files by the
 * verdict of their automatic disclosure checks, and release latency (submitted to released).
 * Counts only: no project, user or file name is a label.
 */
public final class EgressMetrics {
    private final DataSource db;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile long takenAt;

    private record Snapshot(Map<RequestStatus, Long> requests, Map<Status, Long> files, long released, double latencySum,
            double latencyMax) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), 0, 0, 0);
    }

    private EgressMetrics(DataSource db) {
        this.db = requireNonNull(db, "db is null");
    }

    /** Registers the service's meters in {@code registry}, read from {@code db}. */
    public static EgressMetrics bind(MeterRegistry registry, DataSource db) {
        EgressMetrics m = new EgressMetrics(db);
        for (RequestStatus s : RequestStatus.values()) {
            Gauge.builder("egress.requests", m, x -> x.current().requests().getOrDefault(s, 0L))
                    .description("Export requests in each state").tag("state", s.label()).register(registry);
        }
        for (Status s : Status.values()) {
            Gauge.builder("egress.files", m, x -> x.current().files().getOrDefault(s, 0L))
                    .description("Files in export requests by the verdict of their automatic disclosure checks")
                    .tag("verdict", s.label()).register(registry);
        }
        FunctionTimer.builder("egress.release.latency", m, x -> x.current().released(), x -> x.current().latencySum(), TimeUnit.SECONDS)
                .description("From submission to release, of every released request").register(registry);
        Gauge.builder("egress.release.latency.max", m, x -> x.current().latencyMax()).baseUnit("seconds")
                .description("Longest time from submission to release").register(registry);
        return m;
    }

    private Snapshot current() {
        long now = System.nanoTime();
        if (now - takenAt > 1_000_000_000L || snapshot == Snapshot.EMPTY) {
            try {
                snapshot = read();
                takenAt = now;
            } catch (SQLException e) {
                // the health endpoint says the database is down; the last values stay
            }
        }
        return snapshot;
    }

    private Snapshot read() throws SQLException {
        Map<RequestStatus, Long> requests = new EnumMap<>(RequestStatus.class);
        Map<Status, Long> files = new EnumMap<>(Status.class);
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            try (ResultSet r = st.executeQuery("SELECT status, count(*) FROM export_request GROUP BY status")) {
                while (r.next()) {
                    requests.put(RequestStatus.of(r.getString(1)), r.getLong(2));
                }
            }
            try (ResultSet r = st.executeQuery("SELECT check_status, count(*) FROM request_file GROUP BY check_status")) {
                while (r.next()) {
                    files.put(Status.valueOf(r.getString(1).toUpperCase(java.util.Locale.ROOT)), r.getLong(2));
                }
            }
            try (ResultSet r = st.executeQuery("SELECT count(*), coalesce(sum(extract(epoch FROM released_at - submitted_at)), 0),"
                    + " coalesce(max(extract(epoch FROM released_at - submitted_at)), 0) FROM export_request"
                    + " WHERE released_at IS NOT NULL AND submitted_at IS NOT NULL")) {
                r.next();
                return new Snapshot(requests, files, r.getLong(1), r.getDouble(2), r.getDouble(3));
            }
        }
    }
}
