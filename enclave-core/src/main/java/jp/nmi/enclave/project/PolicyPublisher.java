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
 * Puts every active project's policies in force. Embedded: one {@code ServicePolicies} file that
 * the enclave's sessions re-read before each statement, replaced atomically with a higher version.
 * (Production pushes the same policies to Ranger Admin; see docs/operators.md.)
 */
public final class PolicyPublisher {
    private final Path file;

    public PolicyPublisher(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path file() {
        return file;
    }

    /** Writes {@code policies} (every active project's) as the policies in force. */
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
