package jp.nmi.enclave.testing;

import jp.nmi.enclave.policy.Principal;
import java.util.Set;

/** The demo world's people (ARCHITECTURE.md section 6), the only names tests use. */
public final class Personas {
    public static final String OPERATOR_OPS = "ops";
    public static final String STEWARD_SATO = "sato";
    public static final String STEWARD_SUZUKI = "suzuki";
    /** The provider's approver of regulatory submissions (not a steward). */
    public static final String APPROVER_TANAKA = "tanaka";
    /** Academic member of DEMO-1. */
    public static final String ANALYST_ALICE = "alice";
    /** Industry member of DEMO-1: never sees participants whose consent prohibits commercial use. */
    public static final String ANALYST_KENJI = "kenji";
    /** A registered researcher with no project: cohort discovery only. */
    public static final String RESEARCHER_MORI = "mori";
    /** Member of DEMO-2 only. */
    public static final String ANALYST_BOB = "bob";

    public static final Principal ALICE = new Principal(ANALYST_ALICE, Set.of("demo-1", "academic"));
    public static final Principal KENJI = new Principal(ANALYST_KENJI, Set.of("demo-1", "industry"));
    public static final Principal BOB = new Principal(ANALYST_BOB, Set.of("demo-2", "academic"));

    private Personas() {}
}
