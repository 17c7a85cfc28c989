package jp.nmi.egress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import javax.sql.DataSource;
import jp.nmi.egress.audit.JdbcAuditLog;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.testing.BaseAuditLogTest;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The audit log contract over the egress service's chain in a real PostgreSQL: each log is a new
 * database, migrated by the service's own migrations as its role, anchored as the administrator set
 * it up. Cutting events off the end here is done with everything the service's role can do: its
 * trigger switched off, the events deleted, the head row rewound.
 */
class JdbcAuditLogContractIT extends BaseAuditLogTest {
    @TempDir
    static Path dir;
    static EnclaveDatabase db;
    static int databases;

    @BeforeAll
    static void start() {
        db = EnclaveDatabase.embedded(dir);
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    static DataSource as(String user, String password, String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.jdbcUrl().replace("/postgres", "/" + database));
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }

    @Override
    protected AuditLog newLog() throws Exception {
        String name = "contract_" + (++databases);
        String admin = Files.readString(EnclaveDatabase.secretsDirectory(dir).resolve(EnclaveDatabase.ADMIN + ".password")).strip();
        try (Connection c = as(EnclaveDatabase.ADMIN, admin, "postgres").getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " OWNER " + EnclaveDatabase.EGRESS);
        }
        try (Connection c = as(EnclaveDatabase.ADMIN, admin, name).getConnection(); Statement s = c.createStatement()) {
            for (String sql : EnclaveDatabase.anchorSchema()) {
                s.execute(sql);
            }
        }
        DataSource egress = as(db.user(), db.password(), name);
        Flyway.configure().dataSource(egress).locations("classpath:db/migration").load().migrate();
        return new JdbcAuditLog(egress, Clock.systemUTC());
    }

    private DataSource dataSourceOf(AuditLog log) {
        return as(db.user(), db.password(), "contract_" + databases);
    }

    @Override
    protected void alter(AuditLog log, long seq) throws Exception {
        try (Connection c = dataSourceOf(log).getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
            s.executeUpdate("UPDATE audit_event SET actor = 'mallory' WHERE seq = " + seq);
            s.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
        }
    }

    @Override
    protected void cutOffTheEnd(AuditLog log, int n) throws Exception {
        try (Connection c = dataSourceOf(log).getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
            s.executeUpdate("DELETE FROM audit_event WHERE seq > (SELECT max(seq) - " + n + " FROM audit_event)");
            s.executeUpdate("UPDATE audit_head SET seq = e.seq, hash = e.hash FROM (SELECT seq, hash FROM audit_event ORDER BY seq DESC"
                    + " LIMIT 1) e WHERE audit_head.id = 1");
            s.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
        }
    }
}
