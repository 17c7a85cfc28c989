package jp.nmi.enclave.redteam;

import static jp.nmi.enclave.testing.Personas.ANALYST_BOB;

import java.util.List;

/** The red team against DEMO-2, as bob, its only member. */
class RedTeamDemo2IT extends RedTeamSuite {
    @Override
    String project() {
        return "DEMO-2";
    }

    @Override
    List<String> members() {
        return List.of(ANALYST_BOB);
    }

    @Override
    String audienceOf(String user) {
        return null;
    }
}
