package jp.nmi.enclave.project;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.policy.PolicyBuilder;
import jp.nmi.enclave.policy.ServicePoliciesJson;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * The embedded enclave's policies in force: one {@code ServicePolicies} file that the enclave's
 * sessions re-read before each statement, replaced atomically with a higher version.
 */
public final class FilePolicyPublisher implements PolicyPublisher {
    private final Path file;

    public FilePolicyPublisher(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path file() {
        return file;
    }

    @Override
    public String place() {
        return jp.nmi.enclave.policy.PolicySource.filePlace(file);
    }

    @Override
    public String describe() {
        return "the policy file " + file;
    }

    /** Writes {@code policies} (every active project's) as the policies in force. */
    @Override
    public void publish(Map<String, List<RangerPolicy>> policies) {
        List<RangerPolicy> all = new ArrayList<>();
        policies.values().forEach(all::addAll);
        long version = currentVersion() + 1;
        ServicePolicies sp = PolicyBuilder.servicePolicies(ProjectPolicies.SERVICE, version, all);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, ServicePoliciesJson.write(sp));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot write the policy file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The policies in force, or empty when none were published yet. */
    @Override
    public List<RangerPolicy> current() {
        if (!Files.exists(file)) {
            return List.of();
        }
        try (InputStream in = Files.newInputStream(file)) {
            List<RangerPolicy> policies = ServicePoliciesJson.parse(in).getPolicies();
            return policies == null ? List.of() : policies;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the policy file " + file + ": " + e.getMessage(), e);
        }
    }

    private long currentVersion() {
        if (!Files.exists(file)) {
            return 0;
        }
        try (InputStream in = Files.newInputStream(file)) {
            Long v = ServicePoliciesJson.parse(in).getPolicyVersion();
            return v == null ? 0 : v;
        } catch (IOException | RuntimeException e) {
            // an unreadable file is replaced; sessions deny everything until then
            return 0;
        }
    }
}
