package jp.nmi.enclave.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.error.EnclaveStorageException;

/**
 * The audit log as a local file of JSON lines, one event per line, owner-only. Several processes
 * may append to the same file: each append takes an exclusive file lock, reads the last event to
 * continue the chain, writes one line and forces it to disk.
 *
 * <p>With an {@link AuditAnchor}, every event is anchored before the append returns (and before the
 * action it records goes ahead), where this log's writer cannot take it back: then a log cut short
 * or rewritten from some event on no longer verifies, like an altered one.
 */
public final class FileAuditLog implements AuditLog {
    private static final ObjectMapper JSON = AuditHashing.CANONICAL;
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    /** File locks guard against other processes; within this JVM appends to one file queue here first. */
    private static final Map<Path, java.util.concurrent.locks.ReentrantLock> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The name the enclave's own log is anchored under. */
    public static final String ANCHOR_NAME = "enclave";

    private final Path file;
    private final Clock clock;
    private final AuditAnchor anchor;

    /** A log without anchors: truncation of its end is not detected (tests, scratch directories). */
    public FileAuditLog(Path file) {
        this(file, Clock.systemUTC());
    }

    public FileAuditLog(Path file, Clock clock) {
        this(file, clock, null);
    }

    /** A log whose every event is anchored in {@code anchor} (null: none). */
    public FileAuditLog(Path file, Clock clock, AuditAnchor anchor) {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        this.clock = requireNonNull(clock, "clock is null");
        this.anchor = anchor;
    }

    /** Whether this log's events are anchored. */
    public boolean isAnchored() {
        return anchor != null;
    }

    public Path path() {
        return file;
    }

    @Override
    public AuditEvent append(AuditRecord r) {
        requireNonNull(r, "record is null");
        java.util.concurrent.locks.ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new java.util.concurrent.locks.ReentrantLock());
        local.lock();
        try {
            ensureFile();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                AuditEvent last = lastEvent(channel);
                long seq = last == null ? 1 : last.seq() + 1;
                String previous = last == null ? AuditEvent.GENESIS : last.hash();
                AuditEvent draft = new AuditEvent(seq, clock.instant().toString(), r.actor(), r.project(), r.action(), r.outcome(),
                        r.details(), previous, null);
                AuditEvent event = new AuditEvent(seq, draft.at(), r.actor(), r.project(), r.action(), r.outcome(), r.details(),
                        previous, AuditHashing.hash(draft));
                byte[] line = (JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
                channel.position(channel.size());
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
                if (anchor != null) {
                    // still under the file lock: anchors go in the order of the chain
                    anchor.anchor(ANCHOR_NAME, event.seq(), event.hash());
                }
                return event;
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot append to the audit log " + file + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    @Override
    public AuditVerification verify() {
        if (!Files.exists(file)) {
            String mismatch = anchor == null ? null
                    : AuditAnchor.mismatch(anchor.anchors(ANCHOR_NAME), seq -> null, 0, anchor.describe());
            return mismatch == null ? AuditVerification.ok(0, AuditEvent.GENESIS)
                    : AuditVerification.broken(0, AuditEvent.GENESIS, 1, 1, "the log file is missing: " + mismatch);
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            ChainWalk walk = new ChainWalk();
            java.util.Map<Long, String> hashes = new java.util.HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                int lineNo = i + 1;
                AuditEvent e;
                try {
                    e = parse(lines.get(i));
                } catch (IOException | RuntimeException ex) {
                    return walk.unreadable(lineNo, "line " + lineNo + " is not an audit event: " + ex.getMessage());
                }
                AuditVerification broken = walk.step(e, lineNo);
                if (broken != null) {
                    return broken;
                }
                hashes.put(e.seq(), e.hash());
            }
            if (anchor != null) {
                String mismatch = AuditAnchor.mismatch(anchor.anchors(ANCHOR_NAME), hashes::get, walk.events(), anchor.describe());
                if (mismatch != null) {
                    return walk.broken(walk.events() + 1, lines.size() + 1, mismatch);
                }
            }
            return walk.intact();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the audit log " + file + ": " + e.getMessage(), e);
        }
    }

    private static AuditEvent parse(String line) throws IOException {
        Map<String, Object> m = JSON.readValue(line, MAP);
        @SuppressWarnings("unchecked")
        Map<String, Object> details = (Map<String, Object>) m.getOrDefault("details", Map.of());
        return new AuditEvent(((Number) m.get("seq")).longValue(), (String) m.get("at"), (String) m.get("actor"),
                (String) m.get("project"), (String) m.get("action"), (String) m.get("outcome"), details,
                (String) m.get("previousHash"), (String) m.get("hash"));
    }

    private void ensureFile() throws IOException {
        if (Files.exists(file)) {
            return;
        }
        Path dir = file.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another process created it first
        }
    }

    /** The last complete event of the file, read backwards from its end. */
    private static AuditEvent lastEvent(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return null;
        }
        long end = size;
        ByteBuffer one = ByteBuffer.allocate(1);
        // skip the final newline
        channel.read(one, end - 1);
        if (one.get(0) == '\n') {
            end--;
        }
        long start = end;
        int chunk = 8192;
        while (start > 0) {
            long from = Math.max(0, start - chunk);
            ByteBuffer buf = ByteBuffer.allocate((int) (start - from));
            channel.read(buf, from);
            int nl = -1;
            for (int i = buf.position() - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl >= 0) {
                start = from + nl + 1;
                break;
            }
            start = from;
        }
        ByteBuffer line = ByteBuffer.allocate((int) (end - start));
        channel.read(line, start);
        return parse(new String(line.array(), StandardCharsets.UTF_8));
    }

}
