package jp.nmi.enclave.audit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import jp.nmi.enclave.testing.BaseAuditLogTest;
import jp.nmi.enclave.testing.InMemoryAuditAnchor;
import org.junit.jupiter.api.io.TempDir;

/** The audit log contract over the file log, anchored (the PostgreSQL anchors: AuditChainIT and the red team). */
class TestFileAuditLogContract extends BaseAuditLogTest {
    @TempDir
    Path dir;
    private int logs;

    @Override
    protected AuditLog newLog() {
        return new FileAuditLog(dir.resolve("log-" + (++logs) + ".jsonl"), Clock.systemUTC(), new InMemoryAuditAnchor());
    }

    @Override
    protected void alter(AuditLog log, long seq) throws Exception {
        Path file = ((FileAuditLog) log).path();
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.set((int) seq - 1, lines.get((int) seq - 1).replace("\"actor\":\"alice\"", "\"actor\":\"mallory\""));
        Files.write(file, lines);
    }

    @Override
    protected void cutOffTheEnd(AuditLog log, int n) throws Exception {
        Path file = ((FileAuditLog) log).path();
        List<String> lines = Files.readAllLines(file);
        Files.write(file, lines.subList(0, lines.size() - n));
    }
}
