package jp.nmi.enclave.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The marks both sides read and write, on Hadoop's local file system (the same FileSystem API the
 * egress service and project closure use on HDFS, where EgressWorkflowIT and ProjectLifecycleIT
 * exercise them end to end).
 */
class TestPendingExports {
    @TempDir
    java.nio.file.Path dir;

    FileSystem fs;
    EnclaveLayout layout;
    PendingExports exports;

    @BeforeEach
    void setUp() throws IOException {
        fs = FileSystem.getLocal(new Configuration());
        layout = new EnclaveLayout(new Path(dir.toUri()));
        exports = new PendingExports(fs, layout);
    }

    @Test
    void marksAreListedSortedPerProjectAndClearedOneByOne() {
        exports.mark("DEMO-1", "req-b");
        exports.mark("DEMO-1", "req-a");
        exports.mark("DEMO-2", "req-c");

        assertThat(exports.pendingRequests("DEMO-1")).containsExactly("req-a", "req-b");
        assertThat(exports.pendingRequests("DEMO-2")).containsExactly("req-c");
        assertThat(exports.pendingRequests("DEMO-3")).isEmpty();
        assertThat(exports.isMarked("DEMO-1", "req-a")).isTrue();

        exports.clear("DEMO-1", "req-a");
        assertThat(exports.isMarked("DEMO-1", "req-a")).isFalse();
        assertThat(exports.pendingRequests("DEMO-1")).containsExactly("req-b");
    }

    @Test
    void marksAreWhereTheLayoutSaysAndNobodyElses() throws IOException {
        exports.mark("DEMO-1", "req-a");
        Path mark = new Path(layout.pendingExports("DEMO-1"), "req-a");
        assertThat(fs.getFileStatus(mark).isDirectory()).isTrue();
        // never for others; the group bits are, under Kerberos, the mask of the ACL that lets a closure of the enclave's
        // account read and destroy them (the owning group is the egress service's own)
        assertThat(fs.getFileStatus(mark).getPermission().toShort() & 0007).isZero();
        assertThat(fs.getFileStatus(mark).getPermission().toShort() & 0700).isEqualTo(0700);
        assertThat(layout.pendingExports("DEMO-1").getParent()).isEqualTo(layout.pending());
        assertThat(Files.isDirectory(dir.resolve("egress/pending/DEMO-1/req-a"))).isTrue();
    }

    @Test
    void holdingsAreTheQuarantinedCopiesAndTheMarksOfOpenRequestsOnly() {
        assertThat(exports.holdings("DEMO-1", List.of())).isEmpty();
        assertThat(exports.holdings("DEMO-1", List.of("req-a", "req-b"))).containsExactly(
                new Path(layout.quarantine(), "req-a"), new Path(layout.quarantine(), "req-b"), layout.pendingExports("DEMO-1"));
    }

    @Test
    void idsThatWouldLeaveTheirDirectoryAreRefusedAndNothingIsWritten() throws IOException {
        for (String bad : List.of("..", ".", "a/b", "", "hdfs:x")) {
            assertThatThrownBy(() -> exports.mark("DEMO-1", bad)).isInstanceOf(ValidationException.class)
                    .hasMessage("not a request id: '" + bad + "'");
            assertThatThrownBy(() -> exports.pendingRequests(bad)).isInstanceOf(ValidationException.class)
                    .hasMessage("not a project id: '" + bad + "'");
            assertThatThrownBy(() -> exports.holdings("DEMO-1", List.of(bad))).isInstanceOf(ValidationException.class)
                    .hasMessage("not a request id: '" + bad + "'");
        }
        assertThat(fs.exists(layout.egress())).isFalse();
    }
}
