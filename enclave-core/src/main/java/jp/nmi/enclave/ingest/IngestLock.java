package jp.nmi.enclave.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Map;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.Path;

/**
 * One ingest at a time per enclave: a lock file in the staging directory naming the holder. A lock
 * left by a process on this host that no longer runs (an interrupted ingest) is taken over;
 * anything else is refused with the holder's details.
 */
final class IngestLock implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EnclaveStorage storage;
    private final Path path;
    /** The publication of an interrupted ingest whose lock was taken over, or null. */
    private final String recoveredFrom;

    private IngestLock(EnclaveStorage storage, Path path, String recoveredFrom) {
        this.storage = storage;
        this.path = path;
        this.recoveredFrom = recoveredFrom;
    }

    static IngestLock acquire(EnclaveStorage storage, String publication) {
        Path path = new Path(storage.layout().staging(), "_ingest.lock");
        Map<String, Object> mine = Map.of(
                "publication", publication,
                "host", host(),
                "pid", ProcessHandle.current().pid(),
                "startedAt", Instant.now().toString());
        String recovered = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try (OutputStream out = storage.fs().create(path, false)) {
                JSON.writeValue(out, mine);
                return new IngestLock(storage, path, recovered);
            } catch (FileAlreadyExistsException e) {
                Map<?, ?> holder = read(storage, path);
                boolean sameHost = host().equals(holder.get("host"));
                long pid = holder.get("pid") instanceof Number n ? n.longValue() : -1;
                boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (sameHost && !alive) {
                    recovered = String.valueOf(holder.get("publication"));
                    try {
                        storage.fs().delete(path, false);
                    } catch (IOException d) {
                        throw new EnclaveStorageException("cannot remove the stale ingest lock " + path + ": " + d.getMessage(), d);
                    }
                    continue;
                }
                throw new ValidationException("another ingest holds " + path + " (publication " + holder.get("publication")
                        + ", pid " + holder.get("pid") + " on " + holder.get("host") + ", started " + holder.get("startedAt")
                        + "); wait for it to finish, or, if that process is gone, delete the lock file");
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot create the ingest lock " + path + ": " + e.getMessage(), e);
            }
        }
        throw new EnclaveStorageException("cannot take the ingest lock " + path);
    }

    String recoveredFrom() {
        return recoveredFrom;
    }

    private static Map<?, ?> read(EnclaveStorage storage, Path path) {
        try (InputStream in = storage.fs().open(path)) {
            return JSON.readValue(in, Map.class);
        } catch (IOException e) {
            // A lock we cannot read is still a lock: refuse rather than guess.
            return Map.of("publication", "unknown", "host", "unknown", "pid", -1, "startedAt", "unknown");
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        try {
            storage.fs().delete(path, false);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot release the ingest lock " + path + ": " + e.getMessage(), e);
        }
    }
}
