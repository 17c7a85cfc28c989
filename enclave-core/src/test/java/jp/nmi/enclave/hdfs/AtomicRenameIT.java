package jp.nmi.enclave.hdfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The renames exports and purges rely on, on a real HDFS (MiniDFSCluster): what {@code FileSystem.rename} cannot promise. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AtomicRenameIT {
    java.nio.file.Path dir;
    EnclaveStorage storage;
    FileSystem fs;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("atomic-rename-");
        storage = EmbeddedStorage.open(dir);
        fs = storage.fs();
    }

    @AfterAll
    void stop() throws Exception {
        storage.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    Path file(String path, String content) throws Exception {
        Path p = new Path(path);
        try (var out = fs.create(p, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    String read(Path p) throws Exception {
        try (var in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void noneTakesAFreeNameAndNeverAnotherFileOrADirectory() throws Exception {
        Path free = new Path("/t1/free.csv");
        assertThat(AtomicRename.rename(fs, file("/t1/.a.staged", "a"), free, Options.Rename.NONE)).isTrue();
        assertThat(read(free)).isEqualTo("a");

        Path staged = file("/t1/.b.staged", "b");
        assertThat(AtomicRename.rename(fs, staged, free, Options.Rename.NONE)).isFalse();
        assertThat(read(free)).as("the file that held the name").isEqualTo("a");
        assertThat(read(staged)).as("the one that did not get it").isEqualTo("b");

        // what FileSystem.rename does to a directory of that name: moves the file into it
        Path directory = new Path("/t1/dir.csv");
        file("/t1/dir.csv/part-00000", "statement's rows");
        assertThat(AtomicRename.rename(fs, staged, directory, Options.Rename.NONE)).isFalse();
        assertThat(fs.listStatus(directory)).extracting(s -> s.getPath().getName()).containsExactly("part-00000");
        assertThat(fs.exists(staged)).isTrue();
    }

    @Test
    void overwriteReplacesAFileInOneStepAndNeverADirectory() throws Exception {
        Path mine = file("/t2/mine.csv", "old");
        assertThat(AtomicRename.rename(fs, file("/t2/.mine.staged", "new"), mine, Options.Rename.OVERWRITE)).isTrue();
        assertThat(read(mine)).isEqualTo("new");

        Path directory = new Path("/t2/dir.csv");
        file("/t2/dir.csv/part-00000", "statement's rows");
        Path staged = file("/t2/.dir.staged", "x");
        assertThat(AtomicRename.rename(fs, staged, directory, Options.Rename.OVERWRITE)).isFalse();
        assertThat(read(new Path(directory, "part-00000"))).isEqualTo("statement's rows");
    }

    @Test
    void ofManyTakingOneNewNameAtOnceExactlyOneWinsAndTheRestKeepTheirFiles() throws Exception {
        int n = 8;
        for (int round = 0; round < 5; round++) {
            Path name = new Path("/t3/race-" + round + ".csv");
            List<Path> staged = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                staged.add(file("/t3/.race-" + round + "." + i + ".staged", "writer " + i));
            }
            CyclicBarrier start = new CyclicBarrier(n);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<Future<Boolean>> outcomes = new ArrayList<>();
            try {
                for (Path s : staged) {
                    outcomes.add(pool.submit(() -> {
                        start.await();
                        return AtomicRename.rename(fs, s, name, Options.Rename.NONE);
                    }));
                }
                List<Integer> winners = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (outcomes.get(i).get()) {
                        winners.add(i);
                    }
                }
                assertThat(winners).as("round %s", round).hasSize(1);
                assertThat(read(name)).isEqualTo("writer " + winners.get(0));
                for (int i = 0; i < n; i++) {
                    assertThat(fs.exists(staged.get(i))).isEqualTo(i != winners.get(0));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
