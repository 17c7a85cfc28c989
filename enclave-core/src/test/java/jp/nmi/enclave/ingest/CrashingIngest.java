package jp.nmi.enclave.ingest;

import java.net.URI;
import java.nio.file.Path;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;

/**
 * An ingest that stops its JVM at a chosen checkpoint, as a crash would (run in a process of its
 * own by {@code IngestIT}): {@code CrashingIngest CHECKPOINT TARGET SOURCE KEYSTORE OPTOUT}.
 */
public final class CrashingIngest {
    private CrashingIngest() {}

    public static void main(String[] args) {
        String at = args[0];
        try (EnclaveStorage storage = EnclaveStorage.connect(URI.create(args[1]))) {
            Ingest.run(storage, new Ingest.Request(Path.of(args[2]), Path.of(args[3]), Path.of(args[4])), Progress.NONE, name -> {
                if (name.equals(at)) {
                    System.err.println("crashing ingest: halting at " + name);
                    System.err.flush();
                    Runtime.getRuntime().halt(86);
                }
            });
        }
        System.err.println("crashing ingest: checkpoint " + at + " was never reached");
        System.exit(1);
    }
}
