package jp.nmi.enclave.project;

import java.nio.file.Path;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.PolicySource;
import jp.nmi.enclave.testing.BasePolicyStoreTest;
import org.junit.jupiter.api.io.TempDir;

/** The policy store contract over the embedded policy file. */
class TestFilePolicyStoreContract extends BasePolicyStoreTest {
    @TempDir
    Path dir;

    @Override
    protected PolicyPublisher publisher() {
        return PolicyPublisher.file(dir.resolve("enclave_hive.json"));
    }

    @Override
    protected PolicySource source() {
        return new FilePolicySource(dir.resolve("enclave_hive.json"));
    }
}
