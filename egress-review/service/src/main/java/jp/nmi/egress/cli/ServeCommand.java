package jp.nmi.egress.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import jp.nmi.egress.EgressApplication;
import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.request.ReleaseHooks;
import jp.nmi.enclave.cli.StorageOptions;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code enclave egress serve}: runs the service until Ctrl-C. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Start the egress service on 127.0.0.1: the stewards' review queue and the analysts' requests as web pages,",
            "and the REST API (/api/..., described at /api/openapi.json).",
            "With --embedded DIR it uses the embedded HDFS in DIR (the one ingest and projects use) and a PostgreSQL whose",
            "data lives in DIR/egress/postgres, creates the demo users (sato, suzuki, alice, kenji, bob, ops) if they are",
            "missing and prints their passwords. Restarted on the same DIR it keeps every request; a release a crash",
            "interrupted is finished or rolled back before the service takes requests. Stops cleanly on Ctrl-C."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StorageOptions storage;

    @Option(names = "--port", paramLabel = "P", description = "Port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).",
            defaultValue = "8480")
    int port;

    @Option(names = "--metrics-port", paramLabel = "P", defaultValue = "8481",
            description = "Port on 127.0.0.1 for GET /health and GET /metrics (Prometheus): a port of its own, never forwarded by the"
                    + " reverse proxy (default: ${DEFAULT-VALUE}; 0 picks a free one; -1: none).")
    int metricsPort;

    @Option(names = "--no-print-passwords", hidden = true,
            description = "Say where the demo users' passwords are instead of printing them (./enclave up: its log is a file).")
    boolean noPrintPasswords;

    @Option(names = "--stop-with", paramLabel = "PID", hidden = true,
            description = "Stop when this process ends (./enclave up passes its own, so that nothing outlives it).")
    Long stopWith;

    @Option(names = "--jdbc", paramLabel = "URL", description = "A running PostgreSQL (jdbc:postgresql://...), instead of the embedded"
            + " one; its password comes from $ENCLAVE_EGRESS_DB_PASSWORD. Required with --target.")
    String jdbc;

    @Option(names = "--db-user", paramLabel = "NAME", description = "The PostgreSQL user with --jdbc (default: ${DEFAULT-VALUE}).",
            defaultValue = "egress")
    String dbUser;

    @Option(names = "--discovery", paramLabel = "on|off", defaultValue = "on",
            description = "Serve cohort discovery (its page and Beacon) here: it reads the participants, diagnoses, samples and"
                    + " genotypes datasets with this service's account. Beyond one machine, run one instance with on (a discovery"
                    + " host) and the egress review with off. Default: ${DEFAULT-VALUE}.")
    String discovery;

    @Option(names = "--login", paramLabel = "MODE", defaultValue = "directory",
            description = "How users log in: directory (passwords of the enclave's directory) or ldap (a bind against --ldap-url;"
                    + " roles still from the directory). Default: ${DEFAULT-VALUE}.")
    String login;

    @Option(names = "--ldap-url", paramLabel = "URL", description = "With --login ldap: ldap[s]://HOST:PORT/BASE-DN.")
    String ldapUrl;

    @Option(names = "--ldap-user-dn-pattern", paramLabel = "PATTERN", defaultValue = "uid={0},ou=people",
            description = "With --login ldap: a user's DN below the base, {0} the user name (default: ${DEFAULT-VALUE}).")
    String ldapUserDnPattern;

    @Option(names = "--max-file-mb", paramLabel = "MB", description = "Largest file that may be exported (default: ${DEFAULT-VALUE}).",
            defaultValue = "32")
    int maxFileMb;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = storage.embeddedDir();
        if (dir == null && jdbc == null) {
            throw new ValidationException("--jdbc is required with --target: the embedded PostgreSQL goes with --embedded");
        }
        jp.nmi.egress.config.LoginSettings loginSettings = new jp.nmi.egress.config.LoginSettings(login,
                "ldap".equals(login) ? ldapUrl : null, "ldap".equals(login) ? ldapUserDnPattern : null);
        EnclaveStorage s = storage.open();
        EnclaveDatabase db = null;
        ConfigurableApplicationContext ctx = null;
        jp.nmi.enclave.ops.OpsServer ops = null;
        try {
            if (dir != null && s.isOwner()) {
                s.advertise(dir);
            }
            db = jdbc != null ? EnclaveDatabase.connect(jdbc, dbUser) : EnclaveDatabase.embedded(dir);
            byte[] key = KeyStoreFile.openOrCreate(storage.keyStore()).keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS).getEncoded();
            Map<String, String> demoUsers = dir == null ? Map.of()
                    : new DirectoryStore(s).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
            EgressSettings settings = new EgressSettings(maxFileMb * (1L << 20), Math.max(4L * maxFileMb, 128) * (1L << 20),
                    EgressSettings.DEFAULTS.maxFiles());
            if (!discovery.equals("on") && !discovery.equals("off")) {
                throw new jp.nmi.enclave.error.ValidationException("--discovery must be on or off, got '" + discovery + "'");
            }
            ctx = EgressApplication.start(new EgressEnvironment(s, db.jdbcUrl(), db.user(), db.password(), key, settings,
                    Clock.systemUTC(), ReleaseHooks.NONE, loginSettings), port, Map.of("enclave.discovery", discovery));
            int actual = Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port", Integer.toString(port)));
            out.println("egress service: http://127.0.0.1:" + actual + "/   (REST API: http://127.0.0.1:" + actual + "/api/openapi.json)");
            if (metricsPort >= 0) {
                ops = ops(s, db);
                out.println("health and metrics: http://127.0.0.1:" + ops.port() + "/health  http://127.0.0.1:" + ops.port() + "/metrics");
            }
            if (loginSettings.isLdap()) {
                out.println("login: LDAP bind against " + ldapUrl + " (" + ldapUserDnPattern + "); roles from the enclave's directory");
            } else if (!demoUsers.isEmpty() && noPrintPasswords) {
                out.println("demo users " + String.join(", ", demoUsers.keySet()) + "; their passwords are in "
                        + DirectoryStore.demoUsersFile(dir));
            } else if (!demoUsers.isEmpty()) {
                out.println("demo users (user password; also in " + DirectoryStore.demoUsersFile(dir) + "):");
                demoUsers.forEach((u, p) -> out.printf("  %-7s %s%n", u, p));
            }
            out.println("Ctrl-C stops it.");
            out.flush();
            // Ctrl-C (and a plain kill) end the wait; everything then stops in order on this thread,
            // not in a JVM shutdown hook, where Hadoop's own hooks can no longer be removed.
            CountDownLatch stop = new CountDownLatch(1);
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stop.countDown());
            }
            if (stopWith != null) {
                ProcessHandle.of(stopWith).ifPresentOrElse(p -> p.onExit().thenRun(stop::countDown), stop::countDown);
            }
            stop.await();
            out.println("stopping ...");
            out.flush();
            if (ops != null) {
                ops.close();
            }
            ctx.close();
            db.close();
            s.close();
            return 0;
        } catch (RuntimeException e) {
            if (ops != null) {
                ops.close();
            }
            if (ctx != null) {
                ctx.close();
            }
            if (db != null) {
                db.close();
            }
            s.close();
            throw e;
        }
    }

    /** Health (database, HDFS) and metrics on their own loopback port. */
    private jp.nmi.enclave.ops.OpsServer ops(EnclaveStorage s, EnclaveDatabase db) {
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        javax.sql.DataSource ds = db.dataSource();
        jp.nmi.egress.ops.EgressMetrics.bind(registry, ds);
        return jp.nmi.enclave.ops.OpsServer.start("egress", metricsPort, registry, java.util.List.of(
                jp.nmi.enclave.ops.OpsServer.HealthCheck.of("postgres", () -> {
                    try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
                        st.execute("SELECT 1");
                    }
                }),
                jp.nmi.enclave.ops.OpsServer.HealthCheck.of("hdfs", () -> s.fs().getFileStatus(s.layout().root()))), null);
    }
}
