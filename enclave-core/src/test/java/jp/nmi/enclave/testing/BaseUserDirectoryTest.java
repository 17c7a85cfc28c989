package jp.nmi.enclave.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.policy.Principal;
import org.junit.jupiter.api.Test;

/**
 * What every {@link UserDirectory} must do: a member is a principal with the groups Ranger's
 * policies name (project, affiliation), anyone else is nobody. Run against the static directory
 * and the project's own (from its member list).
 */
public abstract class BaseUserDirectoryTest {
    /** A directory in which alice (academic) and kenji (industry) are members of DEMO-1, and nobody else is. */
    protected abstract UserDirectory demo1();

    @Test
    void aMemberIsAPrincipalWithTheGroupsPoliciesName() {
        Optional<Principal> alice = demo1().principal(Personas.ANALYST_ALICE);
        assertThat(alice).isPresent();
        assertThat(alice.get().user()).isEqualTo(Personas.ANALYST_ALICE);
        assertThat(alice.get().groups()).contains("demo-1", "academic").doesNotContain("industry");
        assertThat(demo1().principal(Personas.ANALYST_KENJI).orElseThrow().groups()).contains("demo-1", "industry");
    }

    @Test
    void anyoneElseIsNobody() {
        assertThat(demo1().principal(Personas.ANALYST_BOB)).isEmpty();
        assertThat(demo1().principal(Personas.STEWARD_SATO)).isEmpty();
        assertThat(demo1().principal("ALICE")).as("names are exact").isEmpty();
        assertThat(demo1().principal("")).isEmpty();
    }
}
