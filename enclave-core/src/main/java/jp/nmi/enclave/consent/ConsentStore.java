package jp.nmi.enclave.consent;

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

/** The consent-change registry on HDFS, beside the opt-outs: readable by the provider only, replaced atomically. */
public final class ConsentStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final EnclaveStorage storage;

    public ConsentStore(EnclaveStorage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    /** The registry; empty if no change was ever recorded. An unreadable registry stops whatever needed it. */
    public ConsentRegistry read() {
        Path path = storage.layout().consentRegistry();
        try (InputStream in = storage.fs().open(path)) {
            ConsentRegistry registry = JSON.readValue(in, ConsentRegistry.class);
            if (registry.format() != ConsentRegistry.FORMAT) {
                throw new EnclaveStorageException(path + " has format " + registry.format() + "; expected " + ConsentRegistry.FORMAT);
            }
            return registry;
        } catch (FileNotFoundException e) {
            return ConsentRegistry.empty();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the consent registry " + path + ": " + e.getMessage(), e);
        }
    }

    public void publish(ConsentRegistry registry) {
        HdfsFiles.mkdirs(storage, storage.layout().optout(), 0700);
        HdfsFiles.writeAtomically(storage, storage.layout().consentRegistry(),
                out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, registry));
    }
}
