package jp.nmi.enclave.db;

import static java.util.Objects.requireNonNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The egress service's PostgreSQL: in production any server by JDBC URL; embedded, a real
 * PostgreSQL from the binaries that ship in Maven jars, with its data in {@code DIR/egress/postgres}
 * so that requests survive restarts. Embedded, it listens on 127.0.0.1 only, and a process that
 * starts it advertises its port in {@code DIR/run/egress-db.port}, so that other commands on the
 * same directory (audit verification) connect to it instead of starting a second server.
 *
 * <p>The embedded server trusts local connections as in any single-machine PostgreSQL demo; it
 * demonstrates the controls, it does not authenticate processes on the machine. Production uses a
 * managed PostgreSQL with its own credentials.
 */
public final class EgressDatabase implements AutoCloseable {
    private final DataSource dataSource;
    private final String jdbcUrl;
    private final EmbeddedPostgres owned;
    private final Path runFile;

    private EgressDatabase(DataSource dataSource, String jdbcUrl, EmbeddedPostgres owned, Path runFile) {
        this.dataSource = dataSource;
        this.jdbcUrl = jdbcUrl;
        this.owned = owned;
        this.runFile = runFile;
    }

    /** The data directory of the embedded database of the enclave in {@code dir}. */
    public static Path dataDirectory(Path dir) {
        return dir.toAbsolutePath().resolve("egress").resolve("postgres");
    }

    /** Whether the enclave in {@code dir} has an egress database at all. */
    public static boolean exists(Path dir) {
        return Files.exists(dataDirectory(dir).resolve("PG_VERSION"));
    }

    /**
     * Opens the embedded database of the enclave in {@code dir}: connects to the server another
     * process runs for it, or starts one in this process (and advertises it).
     */
    public static EgressDatabase embedded(Path dir) {
        requireNonNull(dir, "dir is null");
        Path runFile = dir.toAbsolutePath().resolve("run").resolve("egress-db.port");
        if (Files.exists(runFile)) {
            try {
                int port = Integer.parseInt(Files.readString(runFile).trim());
                if (isListening(port)) {
                    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
                    return new EgressDatabase(dataSource(url, null, null), url, null, null);
                }
            } catch (IOException | NumberFormatException e) {
                // a stale run file from a process that died: start our own
            }
        }
        Path data = dataDirectory(dir);
        try {
            Files.createDirectories(data.getParent());
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start();
            String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres";
            Files.createDirectories(runFile.getParent());
            Path tmp = runFile.resolveSibling("egress-db.port.tmp");
            Files.writeString(tmp, Integer.toString(pg.getPort()));
            Files.move(tmp, runFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new EgressDatabase(dataSource(url, null, null), url, pg, runFile);
        } catch (IOException | RuntimeException e) {
            throw new EnclaveStorageException("cannot start the egress database in " + data + ": " + e.getMessage()
                    + " (is another enclave process using this directory?)", e);
        }
    }

    /**
     * Connects to a running PostgreSQL. The password, if any, comes from the environment variable
     * {@code ENCLAVE_EGRESS_DB_PASSWORD}, never from the command line.
     */
    public static EgressDatabase connect(String jdbcUrl, String user) {
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new ValidationException("the egress database must be a jdbc:postgresql:// URL, got '" + jdbcUrl + "'");
        }
        return new EgressDatabase(dataSource(jdbcUrl, user, System.getenv("ENCLAVE_EGRESS_DB_PASSWORD")), jdbcUrl, null, null);
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

    /** Unpooled connections; the service puts its own pool in front. */
    public DataSource dataSource() {
        return dataSource;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** Whether the egress service's schema is there (its migrations have run). */
    public boolean isMigrated() {
        try (Connection c = dataSource.getConnection();
                var rs = c.getMetaData().getTables(null, "public", "audit_event", null)) {
            return rs.next();
        } catch (SQLException e) {
            throw new EnclaveStorageException("cannot read the egress database at " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                Files.deleteIfExists(runFile);
                owned.close();
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot stop the egress database: " + e.getMessage(), e);
            }
        }
    }

}
