package jp.nmi.enclave.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.authz.ApplyPoliciesProbe;
import jp.nmi.enclave.authz.ProjectScope;
import jp.nmi.enclave.directory.StaticUserDirectory;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.RangerAuthorizer;
import org.apache.spark.sql.classic.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark silently skips an extension it cannot load and then runs every query unfiltered. The
 * enclave must notice and refuse to serve.
 */
class ExtensionProbeIT {
    @TempDir
    Path dir;

    @Test
    void aSparkApplicationWithoutTheExtensionIsRefused() {
        SparkSession plain = (SparkSession) org.apache.spark.sql.SparkSession.builder()
                .master("local[1]").appName("no extension")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                // as if Spark had dropped it: a class that does not exist
                .config("spark.sql.extensions", "org.example.MissingExtension")
                .config("spark.sql.catalogImplementation", "in-memory")
                .getOrCreate();
        try {
            assertThat(ApplyPoliciesProbe.isInstalled(plain)).isFalse();
            ProjectScope scope = new ProjectScope("DEMO-1", "demo_1", "/w", "/o");
            assertThatThrownBy(() -> EnclaveSession.attach(plain, "file:///", new EnclaveSession.Project(scope, Map.of()),
                    new RangerAuthorizer(new FilePolicySource(dir.resolve("p.json")), "svc", Clock.systemUTC()),
                    new StaticUserDirectory(Map.of()), new FileAuditLog(dir.resolve("a.jsonl")), "k", EnclaveSession.Settings.DEFAULTS))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access denied: the EnclaveAuthz extension is not active in this Spark session (Spark drops an"
                            + " extension whose classes fail to load; see the log); the enclave refuses to serve");
            // and the query Spark would have run unfiltered still runs: the refusal is the enclave's
            assertThat(plain.sql("SELECT 1").collectAsList()).hasSize(1);
        } finally {
            plain.stop();
        }
    }
}
