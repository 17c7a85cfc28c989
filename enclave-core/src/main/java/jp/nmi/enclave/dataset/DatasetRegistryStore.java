package jp.nmi.enclave.dataset;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import org.apache.hadoop.fs.Path;

/** Reads and publishes the dataset registry on HDFS. Publishing is one atomic rename. */
public final class DatasetRegistryStore {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final EnclaveStorage storage;

    public DatasetRegistryStore(EnclaveStorage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    /** The published registry, or empty before the first ingest. */
    public Optional<DatasetRegistry> read() {
        Path path = storage.layout().registry();
        try (InputStream in = storage.fs().open(path)) {
            DatasetRegistry registry = JSON.readValue(in, DatasetRegistry.class);
            if (registry.format() != DatasetRegistry.FORMAT) {
                throw new EnclaveStorageException(path + " has format " + registry.format() + "; this enclave reads format "
                        + DatasetRegistry.FORMAT);
            }
            return Optional.of(registry);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the dataset registry " + path + ": " + e.getMessage(), e);
        }
    }

    /** The published registry. @throws NotFoundException before the first ingest */
    public DatasetRegistry require() {
        return read().orElseThrow(() -> new NotFoundException("no datasets are published under " + storage.layout().datasets()
                + ": run ./enclave ingest first"));
    }

    /** Replaces the published registry with {@code registry} in one atomic rename: the commit point of ingest. */
    public void publish(DatasetRegistry registry) {
        Path target = storage.layout().registry();
        HdfsFiles.writeAtomically(storage, target, out -> writeTo(registry, out));
    }

    private static void writeTo(DatasetRegistry registry, OutputStream out) throws IOException {
        JSON.writeValue(out, registry);
    }
}
