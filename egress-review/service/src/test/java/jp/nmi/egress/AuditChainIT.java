package jp.nmi.egress;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.OPERATOR_OPS;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import jp.nmi.egress.request.Requests;
import jp.nmi.egress.testing.EgressFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The egress audit trail: every step recorded in its transaction, append-only, and any tampering found. */
class AuditChainIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static EgressFixture fx;
    static EgressFixture.Service svc;

    @BeforeAll
    static void start() {
        fx = EgressFixture.get();
        svc = fx.start();
    }

    @AfterAll
    static void stop() {
        if (svc != null) {
            svc.close();
        }
    }

    @Test
    void everyStepIsAuditedAndTheChainVerifies() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "audit.csv", "sex,count\nF,40\nM,30\n".getBytes(StandardCharsets.UTF_8));
        Requests requests = svc.bean(Requests.class);
        String id = requests.create(fx.actor(ANALYST_ALICE), "DEMO-1", List.of("audit.csv"), "what", "how").id();
        requests.submit(fx.actor(ANALYST_ALICE), id);
        requests.withdraw(fx.actor(ANALYST_ALICE), id);
        try (Connection c = fx.db.dataSource().getConnection(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT action, actor FROM audit_event WHERE details LIKE '%\"request\":\"" + id + "\"%' ORDER BY seq")) {
            StringBuilder seen = new StringBuilder();
            while (rs.next()) {
                seen.append(rs.getString(1)).append(' ').append(rs.getString(2)).append(';');
            }
            assertThat(seen.toString()).isEqualTo("request.create alice;file.checked alice;request.submit alice;request.withdraw alice;");
        }
        JsonNode v = JSON.readTree(svc.call(STEWARD_SATO, "GET", "/api/audit/verify", null).body());
        assertThat(v.get("intact").asBoolean()).isTrue();
        assertThat(v.get("events").asLong()).isGreaterThanOrEqualTo(3);
        HttpResponse<String> analyst = svc.call(ANALYST_ALICE, "GET", "/api/audit/verify", null);
        assertThat(analyst.statusCode()).isEqualTo(403);
        assertThat(svc.call(OPERATOR_OPS, "GET", "/api/audit/verify", null).statusCode()).isEqualTo(200);
    }

    @Test
    void eventsCannotBeChangedAndAChangeBehindTheTriggersBackIsFound() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "audit2.csv", "sex,count\nF,41\nM,30\n".getBytes(StandardCharsets.UTF_8));
        String id = svc.bean(Requests.class).create(fx.actor(ANALYST_ALICE), "DEMO-1", List.of("audit2.csv"), "what", "how").id();
        try (Connection c = fx.db.dataSource().getConnection(); Statement s = c.createStatement()) {
            long seq;
            try (var rs = s.executeQuery("SELECT seq FROM audit_event WHERE action = 'request.create' AND details LIKE '%" + id + "%'")) {
                rs.next();
                seq = rs.getLong(1);
            }
            assertThatThrownBy(() -> s.executeUpdate("UPDATE audit_event SET actor = 'mallory' WHERE seq = " + seq))
                    .isInstanceOf(SQLException.class).hasMessageContaining("audit events are append-only (UPDATE on event " + seq + ")");
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM audit_event WHERE seq = " + seq))
                    .isInstanceOf(SQLException.class).hasMessageContaining("audit events are append-only (DELETE on event " + seq + ")");
            // a database superuser can switch the trigger off; the chain still tells
            s.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
            String original;
            try (var rs = s.executeQuery("SELECT actor FROM audit_event WHERE seq = " + seq)) {
                rs.next();
                original = rs.getString(1);
            }
            try {
                s.executeUpdate("UPDATE audit_event SET actor = 'mallory' WHERE seq = " + seq);
                JsonNode v = JSON.readTree(svc.call(STEWARD_SATO, "GET", "/api/audit/verify", null).body());
                assertThat(v.get("intact").asBoolean()).isFalse();
                assertThat(v.get("broken_at").asLong()).isEqualTo(seq);
                assertThat(v.get("reason").asText()).startsWith("event " + seq + " was altered after it was written");
                // ./enclave audit verify reads the same chain
                var cli = jp.nmi.egress.audit.JdbcAuditLog.verify(c);
                assertThat(cli.intact()).isFalse();
                assertThat(cli.brokenAtSeq()).isEqualTo(seq);
            } finally {
                s.executeUpdate("UPDATE audit_event SET actor = '" + original + "' WHERE seq = " + seq);
                s.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
            }
            assertThat(JSON.readTree(svc.call(STEWARD_SATO, "GET", "/api/audit/verify", null).body()).get("intact").asBoolean()).isTrue();
            // the head row is what tells a chain cut short at its end
            String head;
            try (var rs = s.executeQuery("SELECT seq || ':' || hash FROM audit_head")) {
                rs.next();
                head = rs.getString(1);
            }
            s.executeUpdate("DELETE FROM audit_head");
            try {
                JsonNode v = JSON.readTree(svc.call(STEWARD_SATO, "GET", "/api/audit/verify", null).body());
                assertThat(v.get("intact").asBoolean()).isFalse();
                assertThat(v.get("reason").asText()).startsWith("the chain has no head row");
            } finally {
                String[] parts = head.split(":");
                s.executeUpdate("INSERT INTO audit_head VALUES (1, " + parts[0] + ", '" + parts[1] + "')");
            }
        }
    }

    /**
     * Issue 10: the service's own role owns its tables and can switch their triggers off; cutting
     * events off the end and rewinding the head row is still found, because every event was also
     * anchored where that role can add but never change or remove.
     */
    @Test
    void eventsCutOffTheEndWithTheHeadRewoundAreFoundByTheAnchors() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "audit3.csv", "sex,count\nF,42\nM,30\n".getBytes(StandardCharsets.UTF_8));
        svc.bean(Requests.class).create(fx.actor(ANALYST_ALICE), "DEMO-1", List.of("audit3.csv"), "what", "how");
        try (Connection c = fx.db.dataSource().getConnection(); Statement s = c.createStatement()) {
            long last;
            String head;
            try (var rs = s.executeQuery("SELECT seq FROM audit_head")) {
                rs.next();
                last = rs.getLong(1);
            }
            java.util.List<String> removed = new java.util.ArrayList<>();
            try (var rs = s.executeQuery("SELECT seq, at, actor, project, action, outcome, details, previous_hash, hash FROM audit_event"
                    + " WHERE seq = " + last)) {
                rs.next();
                for (int i = 1; i <= 9; i++) {
                    removed.add(rs.getString(i));
                }
            }
            try (var rs = s.executeQuery("SELECT hash FROM audit_event WHERE seq = " + (last - 1))) {
                rs.next();
                head = rs.getString(1);
            }
            s.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only");
            try {
                s.executeUpdate("DELETE FROM audit_event WHERE seq = " + last);
                s.executeUpdate("UPDATE audit_head SET seq = " + (last - 1) + ", hash = '" + head + "'");
                JsonNode v = JSON.readTree(svc.call(STEWARD_SATO, "GET", "/api/audit/verify", null).body());
                assertThat(v.get("intact").asBoolean()).isFalse();
                assertThat(v.get("reason").asText()).isEqualTo("the log ends at event " + (last - 1) + " but event " + last
                        + " was anchored in audit_anchor.anchor (events were cut off its end)");
                // the anchors themselves are out of the service role's reach
                assertThatThrownBy(() -> s.executeUpdate("DELETE FROM audit_anchor.anchor WHERE log = 'egress'"))
                        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
                assertThatThrownBy(() -> s.execute("ALTER TABLE audit_anchor.anchor DISABLE TRIGGER anchor_append_only"))
                        .isInstanceOf(SQLException.class).hasMessageContaining("must be owner");
            } finally {
                try (var put = c.prepareStatement("INSERT INTO audit_event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    put.setLong(1, Long.parseLong(removed.get(0)));
                    for (int i = 1; i < 9; i++) {
                        put.setString(i + 1, removed.get(i));
                    }
                    put.executeUpdate();
                }
                s.executeUpdate("UPDATE audit_head SET seq = " + last + ", hash = '" + removed.get(8) + "'");
                s.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only");
            }
            assertThat(JSON.readTree(svc.call(STEWARD_SATO, "GET", "/api/audit/verify", null).body()).get("intact").asBoolean()).isTrue();
        }
    }

    /**
     * Issue 10: SQL once reached this database as its superuser through a trusting local login.
     * Now every login needs a password, and the service's role cannot read files or run programs.
     */
    @Test
    void theDatabaseTrustsNoOneAndTheServiceRoleIsNoSuperuser() throws Exception {
        org.postgresql.ds.PGSimpleDataSource anonymous = new org.postgresql.ds.PGSimpleDataSource();
        anonymous.setURL(fx.db.jdbcUrl());
        anonymous.setUser("postgres");
        assertThatThrownBy(anonymous::getConnection).isInstanceOf(SQLException.class)
                .hasMessageContaining("password");
        try (Connection c = fx.db.dataSource().getConnection(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT pg_read_file('PG_VERSION')")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> s.execute("COPY (SELECT 1) TO PROGRAM 'true'")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("must be superuser or a member of the pg_execute_server_program role");
            assertThatThrownBy(() -> s.execute("CREATE ROLE mallory SUPERUSER")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("must be superuser to create superusers");
        }
        // each writer anchors its own log only, and no role can plant operators where another resolves names
        try (Connection c = fx.db.dataSource().getConnection(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO audit_anchor.anchor (log, seq, hash) VALUES ('enclave', 999999, 'x')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
        }
        try (Connection c = fx.db.auditAnchorDataSource().getConnection(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO audit_anchor.anchor (log, seq, hash) VALUES ('egress', 999999, 'x')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            assertThatThrownBy(() -> s.execute("CREATE FUNCTION public.f(text, varchar) RETURNS boolean LANGUAGE sql AS 'SELECT false'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for schema public");
        }
        java.nio.file.Path secrets = jp.nmi.enclave.db.EnclaveDatabase.secretsDirectory(fx.dir);
        assertThat(java.nio.file.Files.getPosixFilePermissions(secrets))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE, java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    }

    @Test
    void theEnclaveCommandLineVerifiesTheEgressChainToo() {
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        var cli = jp.nmi.enclave.cli.EnclaveCli.commandLine();
        cli.setOut(new java.io.PrintWriter(out));
        cli.setErr(new java.io.PrintWriter(err));
        int code = cli.execute("audit", "verify", "--embedded", fx.dir.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("egress audit " + fx.db.jdbcUrl() + ": ").contains("events, chain intact (head ");
    }
}
