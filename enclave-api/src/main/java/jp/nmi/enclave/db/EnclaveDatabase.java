package jp.nmi.enclave.db;

import static java.util.Objects.requireNonNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The enclave's PostgreSQL: the egress service's database and the audit anchors. In production any
 * server by JDBC URL; embedded, a real PostgreSQL from the binaries that ship in Maven jars, with
 * its data in {@code DIR/egress/postgres} so that requests survive restarts. Embedded, it listens on
 * 127.0.0.1 only, and a process that starts it advertises its port in {@code DIR/run/egress-db.port},
 * so that other commands on the same directory connect to it instead of starting a second server.
 *
 * <p>Never trust: every connection needs a password (SCRAM-SHA-256, also from loopback). Each role
 * has its own, generated per enclave and kept owner-only under {@code DIR/egress/secrets/}:
 *
 * <ul>
 *   <li>{@code postgres}, the administrator: sets the others up, used by nothing else;
 *   <li>{@code egress}, the egress service: owns its schema, is not a superuser (no files, no
 *       programs, no other roles);
 *   <li>{@code enclave_audit}, the enclave's audit writer: may only read and add audit anchors.
 * </ul>
 *
 * Audit anchors ({@code audit_anchor.anchor}) belong to the administrator; the writers of the audit
 * logs may insert and read them, never change or delete them, so a log cut short or rewritten no
 * longer matches its anchors. An analyst's session holds none of these passwords.
 */
public final class EnclaveDatabase implements AutoCloseable {
    public static final String ADMIN = "postgres";
    public static final String EGRESS = "egress";
    public static final String AUDIT = "enclave_audit";

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final EmbeddedPostgres owned;
    private final Path runFile;
    private final Path secrets;

    private EnclaveDatabase(String jdbcUrl, String user, String password, EmbeddedPostgres owned, Path runFile, Path secrets) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.owned = owned;
        this.runFile = runFile;
        this.secrets = secrets;
    }

    /** The data directory of the embedded database of the enclave in {@code dir}. */
    public static Path dataDirectory(Path dir) {
        return dir.toAbsolutePath().resolve("egress").resolve("postgres");
    }

    /** Where the embedded database's passwords are kept (owner-only). */
    public static Path secretsDirectory(Path dir) {
        return dir.toAbsolutePath().resolve("egress").resolve("secrets");
    }

    /** Whether the enclave in {@code dir} has an egress database at all. */
    public static boolean exists(Path dir) {
        return Files.exists(dataDirectory(dir).resolve("PG_VERSION"));
    }

    /**
     * Opens the embedded database of the enclave in {@code dir}: connects to the server another
     * process runs for it, or starts one in this process (and advertises it). A database made by
     * an earlier version, which trusted local connections, is secured on the way.
     */
    public static EnclaveDatabase embedded(Path dir) {
        return embedded(dir, 0);
    }

    /**
     * As {@link #embedded(Path)}, a server started here listening on {@code port} of 127.0.0.1
     * (0: any free port).
     */
    public static EnclaveDatabase embedded(Path dir, int port) {
        requireNonNull(dir, "dir is null");
        Path runFile = dir.toAbsolutePath().resolve("run").resolve("egress-db.port");
        Path secrets = secretsDirectory(dir);
        if (Files.exists(runFile)) {
            try {
                int running = Integer.parseInt(Files.readString(runFile).trim());
                if (isListening(running)) {
                    return new EnclaveDatabase(url(running), EGRESS, secret(secrets, EGRESS), null, null, secrets);
                }
            } catch (IOException | NumberFormatException e) {
                // a stale run file from a process that died: start our own
            }
        }
        Path data = dataDirectory(dir);
        try {
            Files.createDirectories(data.getParent());
            ensureSecrets(secrets);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (port != 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = builder
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // the readiness probe logs in like everyone else
                    .setConnectConfig("password", secret(secrets, ADMIN))
                    .start();
            secure(pg, data, secrets);
            Files.createDirectories(runFile.getParent());
            Path tmp = runFile.resolveSibling("egress-db.port.tmp");
            Files.writeString(tmp, Integer.toString(pg.getPort()));
            Files.move(tmp, runFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new EnclaveDatabase(url(pg.getPort()), EGRESS, secret(secrets, EGRESS), pg, runFile, secrets);
        } catch (IOException | SQLException | RuntimeException e) {
            throw new EnclaveStorageException("cannot start the enclave's PostgreSQL in " + data + ": " + e.getMessage()
                    + " (is another enclave process using this directory?)", e);
        }
    }

    /**
     * Connects to a running PostgreSQL. The password, if any, comes from the environment variable
     * {@code ENCLAVE_EGRESS_DB_PASSWORD}, never from the command line.
     */
    public static EnclaveDatabase connect(String jdbcUrl, String user) {
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        JdbcUrls.checkPostgres("the egress database (--jdbc)", jdbcUrl);
        return new EnclaveDatabase(jdbcUrl, user, System.getenv("ENCLAVE_EGRESS_DB_PASSWORD"), null, null, null);
    }

    /**
     * The administrator's work, idempotent, at every start: passwords on every role, nothing
     * trusted, the egress role owning the egress schema, the anchors the administrator's.
     */
    private static void secure(EmbeddedPostgres pg, Path data, Path secrets) throws IOException, SQLException {
        DataSource admin = dataSource(url(pg.getPort()), ADMIN, secret(secrets, ADMIN));
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            // the administrator resolves nothing anyone else could have created
            s.execute("SET search_path = pg_catalog");
            s.execute("ALTER ROLE " + ADMIN + " PASSWORD '" + secret(secrets, ADMIN) + "'");
            for (String role : List.of(EGRESS, AUDIT)) {
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE " + role
                        + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION; END IF; END $$");
                s.execute("ALTER ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '"
                        + secret(secrets, role) + "'");
            }
            // only the egress service creates objects, and only in its own schema; no role resolves
            // names in schemas others could write first (operators planted in public: CVE-2018-1058)
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT ALL ON SCHEMA public TO " + EGRESS);
            // pg_catalog is searched first whenever a path does not name it: no object in public shadows a built-in
            s.execute("ALTER ROLE " + EGRESS + " SET search_path = public");
            s.execute("ALTER ROLE " + AUDIT + " SET search_path = pg_catalog");
            // a database an earlier version set up as the administrator: hand the egress schema to its role
            s.execute("DO $$ DECLARE r record; BEGIN"
                    + " FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = '" + ADMIN + "' LOOP"
                    + " EXECUTE format('ALTER TABLE public.%I OWNER TO " + EGRESS + "', r.tablename); END LOOP;"
                    + " FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND sequenceowner = '" + ADMIN + "' LOOP"
                    + " EXECUTE format('ALTER SEQUENCE public.%I OWNER TO " + EGRESS + "', r.sequencename); END LOOP;"
                    + " FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    + " WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = '" + ADMIN + "' LOOP"
                    + " EXECUTE format('ALTER FUNCTION %s OWNER TO " + EGRESS + "', r.f); END LOOP; END $$");
            for (String sql : anchorSchema()) {
                s.execute(sql);
            }
        }
        // never trust, also from loopback
        Path hba = data.resolve("pg_hba.conf");
        String wanted = "# written by the enclave: every connection needs a password\n"
                + "local all all scram-sha-256\n"
                + "host all all 127.0.0.1/32 scram-sha-256\n"
                + "host all all ::1/128 scram-sha-256\n";
        if (!Files.exists(hba) || !Files.readString(hba).equals(wanted)) {
            Files.writeString(hba, wanted);
            try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_reload_conf()");
            }
        }
    }

    /**
     * The audit anchors, as the administrator creates them (production: a DBA runs the same
     * statements, see docs/operators.md). Writers of audit logs may add and read anchors only.
     */
    public static List<String> anchorSchema() {
        return List.of(
                "CREATE SCHEMA IF NOT EXISTS audit_anchor AUTHORIZATION " + ADMIN,
                "CREATE TABLE IF NOT EXISTS audit_anchor.anchor (log text NOT NULL, seq bigint NOT NULL, hash text NOT NULL,"
                        + " anchored_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (log, seq))",
                "CREATE OR REPLACE FUNCTION audit_anchor.refuse() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$ BEGIN RAISE EXCEPTION 'audit anchors are never changed or removed'; END $$",
                "DROP TRIGGER IF EXISTS anchor_append_only ON audit_anchor.anchor",
                "CREATE TRIGGER anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor.anchor"
                        + " FOR EACH ROW EXECUTE FUNCTION audit_anchor.refuse()",
                "REVOKE ALL ON SCHEMA audit_anchor FROM PUBLIC",
                "REVOKE ALL ON audit_anchor.anchor FROM PUBLIC",
                "GRANT USAGE ON SCHEMA audit_anchor TO " + EGRESS + ", " + AUDIT,
                "GRANT SELECT, INSERT ON audit_anchor.anchor TO " + EGRESS + ", " + AUDIT,
                // each writer anchors its own log only: neither can fill the other's numbers in advance
                "ALTER TABLE audit_anchor.anchor ENABLE ROW LEVEL SECURITY",
                "DROP POLICY IF EXISTS anchors_read ON audit_anchor.anchor",
                "CREATE POLICY anchors_read ON audit_anchor.anchor FOR SELECT USING (true)",
                "DROP POLICY IF EXISTS egress_anchors ON audit_anchor.anchor",
                "CREATE POLICY egress_anchors ON audit_anchor.anchor FOR INSERT TO " + EGRESS + " WITH CHECK (log = 'egress')",
                "DROP POLICY IF EXISTS enclave_anchors ON audit_anchor.anchor",
                "CREATE POLICY enclave_anchors ON audit_anchor.anchor FOR INSERT TO " + AUDIT + " WITH CHECK (log = 'enclave')");
    }

    private static void ensureSecrets(Path secrets) throws IOException {
        if (!Files.isDirectory(secrets)) {
            Files.createDirectories(secrets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        SecureRandom random = new SecureRandom();
        for (String role : List.of(ADMIN, EGRESS, AUDIT)) {
            Path file = secrets.resolve(role + ".password");
            if (!Files.exists(file)) {
                byte[] b = new byte[24];
                random.nextBytes(b);
                Path tmp = Files.createFile(secrets.resolve(role + ".password.tmp"),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, HexFormat.of().formatHex(b), StandardCharsets.US_ASCII);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static String secret(Path secrets, String role) {
        Path file = secrets.resolve(role + ".password");
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!s.matches("[0-9a-f]{48}")) {
                throw new EnclaveStorageException(file + " does not hold a password the enclave made");
            }
            return s;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the password of " + role + " (" + file + "): " + e.getMessage(), e);
        }
    }

    private static String url(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private static DataSource dataSource(String url, String user, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        if (user != null) {
            ds.setUser(user);
        }
        if (password != null) {
            ds.setPassword(password);
        }
        return ds;
    }

    private static boolean isListening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Connections as the audit writer's role to the embedded database another process runs for
     * the enclave in {@code dir} (a notebook interpreter's anchors): never starts a server, and
     * never holds the other roles' passwords beyond reading its own.
     *
     * @throws EnclaveStorageException if no server runs for the directory
     */
    public static DataSource runningAuditAnchor(Path dir) {
        Path runFile = dir.toAbsolutePath().resolve("run").resolve("egress-db.port");
        try {
            int port = Integer.parseInt(Files.readString(runFile).trim());
            if (!isListening(port)) {
                throw new EnclaveStorageException("the enclave's PostgreSQL (port " + port + ") does not answer: is ./enclave up running?");
            }
            return dataSource(url(port), AUDIT, secret(secretsDirectory(dir), AUDIT));
        } catch (IOException | NumberFormatException e) {
            throw new EnclaveStorageException("no enclave process runs the PostgreSQL of " + dir + " (" + runFile + ": " + e.getMessage()
                    + "): start it with ./enclave up", e);
        }
    }

    /** Whether this process started the server (and stops it on close). */
    public boolean isOwner() {
        return owned != null;
    }

    /** The port of the server, from its JDBC URL. */
    public int port() {
        return java.net.URI.create(jdbcUrl.substring("jdbc:".length())).getPort();
    }

    /** Unpooled connections as the egress service's role; the service puts its own pool in front. */
    public DataSource dataSource() {
        return dataSource(jdbcUrl, user, password);
    }

    /** Connections as the audit writer's role (embedded), which may only add and read anchors. */
    public DataSource auditAnchorDataSource() {
        if (secrets == null) {
            throw new IllegalStateException("a database given by URL has its audit role configured by its operators");
        }
        return dataSource(jdbcUrl, AUDIT, secret(secrets, AUDIT));
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The role the service connects as. */
    public String user() {
        return user;
    }

    /** Its password, for the service's pool; never printed, never on a command line. */
    public String password() {
        return password;
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                Files.deleteIfExists(runFile);
                owned.close();
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot stop the enclave's PostgreSQL: " + e.getMessage(), e);
            }
        }
    }
}
