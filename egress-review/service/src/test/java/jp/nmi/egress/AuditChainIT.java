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
            assertThat(seen.toString()).isEqualTo("request.create alice;request.submit alice;request.withdraw alice;");
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
                var cli = jp.nmi.enclave.audit.JdbcAuditLog.verify(c);
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
