package jp.nmi.enclave.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestFileAuditLog {
    @TempDir
    Path dir;

    private FileAuditLog logWith(int events) {
        FileAuditLog log = new FileAuditLog(dir.resolve("audit/log.jsonl"));
        for (int i = 1; i <= events; i++) {
            log.append(new AuditRecord("alice", "DEMO-1", "sql.statement", "allowed", Map.of("statement", "SELECT " + i, "rows", i)));
        }
        return log;
    }

    @Test
    void eventsAreNumberedChainedAndOwnerOnly() throws Exception {
        FileAuditLog log = logWith(3);
        List<String> lines = Files.readAllLines(log.path());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("\"seq\":1").contains("\"previousHash\":\"" + AuditEvent.GENESIS + "\"");
        AuditVerification v = log.verify();
        assertThat(v.intact()).isTrue();
        assertThat(v.events()).isEqualTo(3);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log.path()))).isEqualTo("rw-------");
    }

    @Test
    void anAlteredEventIsTheFirstBrokenLink() throws Exception {
        FileAuditLog log = logWith(5);
        List<String> lines = new ArrayList<>(Files.readAllLines(log.path()));
        lines.set(2, lines.get(2).replace("SELECT 3", "SELECT 33"));
        Files.write(log.path(), lines);
        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.brokenAtLine()).isEqualTo(3);
        assertThat(v.brokenAtSeq()).isEqualTo(3);
        assertThat(v.events()).isEqualTo(2);
        assertThat(v.reason()).startsWith("event 3 was altered after it was written (its hash is ");
    }

    @Test
    void aRemovedOrReorderedEventBreaksTheChain() throws Exception {
        FileAuditLog log = logWith(4);
        List<String> lines = new ArrayList<>(Files.readAllLines(log.path()));
        lines.remove(1);
        Files.write(log.path(), lines);
        AuditVerification removed = log.verify();
        assertThat(removed.intact()).isFalse();
        assertThat(removed.brokenAtLine()).isEqualTo(2);
        assertThat(removed.reason()).isEqualTo("expected event 2 but found event 3 (an event was removed or reordered)");

        FileAuditLog other = new FileAuditLog(dir.resolve("other.jsonl"));
        for (int i = 0; i < 2; i++) {
            other.append(new AuditRecord("bob", null, "x", "ok", Map.of()));
        }
        List<String> swapped = new ArrayList<>(Files.readAllLines(other.path()));
        // keep the sequence numbers but swap the links: a forged order
        String first = swapped.get(0).replace("\"seq\":1", "\"seq\":2");
        String second = swapped.get(1).replace("\"seq\":2", "\"seq\":1");
        Files.write(other.path(), List.of(second, first));
        assertThat(other.verify().reason()).startsWith("event 1 does not link to the event before it");
    }

    @Test
    void concurrentAppendsKeepOneChain() throws Exception {
        FileAuditLog log = new FileAuditLog(dir.resolve("concurrent.jsonl"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                // each thread its own instance, as separate processes would have
                FileAuditLog mine = new FileAuditLog(log.path());
                for (int i = 0; i < 25; i++) {
                    mine.append(new AuditRecord("user" + thread, null, "x", "ok", Map.of("i", i)));
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        AuditVerification v = log.verify();
        assertThat(v.intact()).as(v.reason()).isTrue();
        assertThat(v.events()).isEqualTo(100);
    }
}
