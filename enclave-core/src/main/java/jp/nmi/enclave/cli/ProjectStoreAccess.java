package jp.nmi.enclave.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import jp.nmi.enclave.project.DestructionCertificate;

/** Reads a certificate file as the CLI is given it. */
final class ProjectStoreAccess {
    private ProjectStoreAccess() {}

    static DestructionCertificate readCertificate(Path file) throws IOException {
        return new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(file.toFile(),
                DestructionCertificate.class);
    }
}
