package jp.nmi.enclave.directory;

import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.project.ProjectDirectory;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectStatus;
import jp.nmi.enclave.testing.BaseUserDirectoryTest;
import jp.nmi.enclave.testing.Personas;
import org.junit.jupiter.api.Nested;

/** The user directory contract over both directories. */
class TestUserDirectoryContract {
    @Nested
    class Static extends BaseUserDirectoryTest {
        @Override
        protected UserDirectory demo1() {
            return new StaticUserDirectory(Map.of(Personas.ANALYST_ALICE, Set.of("demo-1", "academic"),
                    Personas.ANALYST_KENJI, Set.of("demo-1", "industry")));
        }
    }

    @Nested
    class Project extends BaseUserDirectoryTest {
        @Override
        protected UserDirectory demo1() {
            return new ProjectDirectory(ProjectReconciler.members(DemoSpecs.spec("DEMO-1"), ProjectStatus.ACTIVE));
        }
    }
}
