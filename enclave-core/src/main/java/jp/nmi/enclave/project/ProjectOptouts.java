package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import javax.crypto.SecretKey;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.Pseudonymizer;
import org.apache.hadoop.fs.FileStatus;

/**
 * The project pseudonyms of every participant who opted out, as a session needs them before each
 * statement: re-read whenever the opt-out registry on HDFS changes, so an opt-out reaches the
 * members' derived tables from their next statement. An unreadable registry fails the statement.
 */
public final class ProjectOptouts implements Supplier<Set<String>> {
    private final EnclaveStorage storage;
    private final Pseudonymizer rekey;
    private long seenModification = Long.MIN_VALUE;
    private long seenLength = -1;
    private Set<String> current = Set.of();

    public ProjectOptouts(EnclaveStorage storage, SecretKey projectKey) {
        this.storage = requireNonNull(storage, "storage is null");
        this.rekey = new Pseudonymizer(requireNonNull(projectKey, "projectKey is null"), "project");
    }

    @Override
    public synchronized Set<String> get() {
        FileStatus status;
        try {
            status = storage.fs().getFileStatus(storage.layout().optoutRegistry());
        } catch (FileNotFoundException e) {
            if (seenModification != Long.MIN_VALUE && !current.isEmpty()) {
                // it held opt-outs a moment ago: gone now is a fault, never "nobody opted out"
                throw new EnclaveStorageException("the opt-out registry " + storage.layout().optoutRegistry()
                        + " has disappeared; every statement is refused until it is back");
            }
            return Set.of();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the opt-out registry: " + e.getMessage(), e);
        }
        if (status.getModificationTime() != seenModification || status.getLen() != seenLength) {
            Set<String> out = new HashSet<>();
            for (String provider : new OptoutStore(storage).read().pseudonyms()) {
                out.add(rekey.pseudonym(provider));
            }
            current = Set.copyOf(out);
            seenModification = status.getModificationTime();
            seenLength = status.getLen();
        }
        return current;
    }
}
