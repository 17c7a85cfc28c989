package jp.nmi.enclave.optout;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import org.apache.hadoop.fs.Path;

/** The opt-out registry on HDFS, readable by the provider only, replaced atomically. */
public final class OptoutStore {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final EnclaveStorage storage;

    public OptoutStore(EnclaveStorage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    public OptoutRegistry read() {
        Path path = storage.layout().optoutRegistry();
        try (InputStream in = storage.fs().open(path)) {
            OptoutRegistry registry = JSON.readValue(in, OptoutRegistry.class);
            if (registry.format() != OptoutRegistry.FORMAT) {
                throw new EnclaveStorageException(path + " has format " + registry.format() + "; expected " + OptoutRegistry.FORMAT);
            }
            return registry;
        } catch (FileNotFoundException e) {
            return OptoutRegistry.empty();
        } catch (IOException e) {
            // An unreadable opt-out list must stop everything that would otherwise include those people.
            throw new EnclaveStorageException("cannot read the opt-out registry " + path + ": " + e.getMessage(), e);
        }
    }

    public void publish(OptoutRegistry registry) {
        HdfsFiles.mkdirs(storage, storage.layout().optout(), 0700);
        HdfsFiles.writeAtomically(storage, storage.layout().optoutRegistry(),
                out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, registry));
    }
}
