package jp.nmi.enclave.cli;

import java.net.URI;
import java.nio.file.Path;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where the enclave's HDFS is: {@code --target hdfs://HOST:PORT/enclave} or {@code --embedded DIR}. */
final class StorageOptions {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Where where;

    static final class Where {
        @Option(names = "--target", paramLabel = "URI",
                description = "A running HDFS and the enclave root on it, e.g. hdfs://127.0.0.1:8020/enclave.")
        URI target;

        @Option(names = "--embedded", paramLabel = "DIR",
                description = "The embedded enclave in DIR: an in-process HDFS whose data lives in DIR (created on first use),"
                        + " or the one an enclave process already serves from DIR.")
        Path embedded;
    }

    @Option(names = "--keystore", paramLabel = "FILE",
            description = "The provider's key store (created once, owner-only). Default: DIR/keys/enclave-keys.p12 with"
                    + " --embedded; $ENCLAVE_KEYSTORE or ~/.enclave/keys/enclave-keys.p12 with --target.")
    Path keyStore;

    EnclaveStorage open() {
        if (where.embedded != null) {
            return EnclaveStorage.embedded(where.embedded);
        }
        return EnclaveStorage.connect(where.target);
    }

    Path keyStore() {
        if (keyStore != null) {
            return keyStore;
        }
        if (where.embedded != null) {
            return where.embedded.toAbsolutePath().resolve("keys").resolve("enclave-keys.p12");
        }
        String env = System.getenv("ENCLAVE_KEYSTORE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String home = System.getProperty("user.home");
        if (home == null) {
            throw new ValidationException("--keystore is required: no home directory to default to");
        }
        return Path.of(home, ".enclave", "keys", "enclave-keys.p12");
    }

    /** The local directory of the embedded enclave, or null with --target. */
    Path embeddedDir() {
        return where.embedded;
    }
}
