package jp.nmi.enclave.redteam;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.ANALYST_KENJI;

import java.util.List;

/**
 * The red team against DEMO-1, as alice (academic) and kenji (industry: never sees participants
 * whose consent prohibits commercial use), both in one session process, as the notebook
 * interpreter runs them.
 */
class RedTeamDemo1IT extends RedTeamSuite {
    @Override
    String project() {
        return "DEMO-1";
    }

    @Override
    List<String> members() {
        return List.of(ANALYST_ALICE, ANALYST_KENJI);
    }

    @Override
    String audienceOf(String user) {
        return user.equals(ANALYST_KENJI) ? "commercial-use" : null;
    }
}
