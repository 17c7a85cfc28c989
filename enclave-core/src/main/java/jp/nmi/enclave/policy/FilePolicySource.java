package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Policies from a Ranger {@code ServicePolicies} JSON file (the embedded enclave's stand-in for
 * Ranger Admin). The file is read before every statement and re-parsed whenever its content
 * changes (by SHA-256, not modification time, which cannot tell two writes in one millisecond
 * apart), so an operator's change is in force for the next statement.
 */
public final class FilePolicySource implements PolicySource {
    private final Path file;
    private String lastStamp;
    private Long lastVersion;

    public FilePolicySource(Path file) {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
    }

    @Override
    public synchronized ServicePolicies policiesIfChanged(Long knownVersion) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PolicyUnavailableException("policy file " + file + " does not exist");
        } catch (IOException e) {
            throw new PolicyUnavailableException("cannot read policy file " + file + ": " + e.getMessage(), e);
        }
        String stamp = sha256(bytes);
        if (stamp.equals(lastStamp) && knownVersion != null && knownVersion.equals(lastVersion)) {
            return null;
        }
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            ServicePolicies policies = ServicePoliciesJson.parse(in);
            // The engine needs a new version to see a change; a file edited by hand may not bump it.
            long derived = Long.parseLong(stamp.substring(0, 12), 16);
            if (policies.getPolicyVersion() == null || (lastVersion != null && policies.getPolicyVersion().equals(lastVersion))) {
                policies.setPolicyVersion(derived);
            }
            lastStamp = stamp;
            lastVersion = policies.getPolicyVersion();
            return policies;
        } catch (IOException | RuntimeException e) {
            throw new PolicyUnavailableException("cannot parse policy file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String place() {
        return PolicySource.filePlace(file);
    }

    @Override
    public String describe() {
        return "policy file " + file;
    }
}
