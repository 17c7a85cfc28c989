package jp.nmi.egress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The request state machine: every from x to x party, against an independent statement of what is allowed. */
class TestTransitions {
    /** The workflow, written out by hand: (from, to) -> who. */
    private static final Map<String, Party> EXPECTED = Map.ofEntries(
            Map.entry("DRAFT>SUBMITTED", Party.AUTHOR),
            Map.entry("DRAFT>WITHDRAWN", Party.AUTHOR),
            Map.entry("SUBMITTED>PARTIALLY_REVIEWED", Party.REVIEWER),
            Map.entry("SUBMITTED>WITHDRAWN", Party.AUTHOR),
            Map.entry("PARTIALLY_REVIEWED>REVIEWED", Party.REVIEWER),
            Map.entry("PARTIALLY_REVIEWED>WITHDRAWN", Party.AUTHOR),
            Map.entry("REVIEWED>APPROVED", Party.STEWARD),
            Map.entry("REVIEWED>RETURNED", Party.STEWARD),
            Map.entry("REVIEWED>REJECTED", Party.STEWARD),
            Map.entry("REVIEWED>WITHDRAWN", Party.AUTHOR),
            Map.entry("RETURNED>SUBMITTED", Party.AUTHOR),
            Map.entry("RETURNED>WITHDRAWN", Party.AUTHOR),
            Map.entry("APPROVED>RELEASED", Party.STEWARD));

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (RequestStatus from : RequestStatus.values()) {
            for (RequestStatus to : RequestStatus.values()) {
                for (Party party : Party.values()) {
                    out.add(Arguments.of(from, to, party));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> {1} by {2}")
    @MethodSource("matrix")
    void everyMoveIsAllowedOrRefusedWithAReason(RequestStatus from, RequestStatus to, Party party) {
        Party who = EXPECTED.get(from + ">" + to);
        if (who == party) {
            Transitions.Move m = Transitions.checkTransition("R-1", from, to, party);
            assertThat(m.from()).isEqualTo(from);
            assertThat(m.to()).isEqualTo(to);
            assertThat(m.auditAction().label()).startsWith("request.");
        } else if (who == null) {
            assertThatThrownBy(() -> Transitions.checkTransition("R-1", from, to, party))
                    .isInstanceOf(InvalidStateTransitionException.class)
                    .hasMessageStartingWith("request R-1 is " + from.label() + " and cannot become " + to.label())
                    .hasMessageContaining(from.isTerminal() ? from.label() + " is final" : "it can become");
        } else {
            assertThatThrownBy(() -> Transitions.checkTransition("R-1", from, to, party))
                    .isInstanceOf(InvalidStateTransitionException.class)
                    .hasMessageContaining(from.label() + " -> " + to.label())
                    .hasMessageContaining("is for " + Transitions.describe(who) + ", not for " + Transitions.describe(party));
        }
    }

    @Test
    void theTableHasExactlyTheExpectedMoves() {
        assertThat(Transitions.all()).hasSize(EXPECTED.size());
        for (Transitions.Move m : Transitions.all()) {
            assertThat(EXPECTED.get(m.from() + ">" + m.to())).as(m.toString()).isEqualTo(m.party());
        }
    }

    @ParameterizedTest
    @EnumSource(RequestStatus.class)
    void terminalStatesHaveNoOwnerAndNoWayOut(RequestStatus s) {
        Set<RequestStatus> terminal = EnumSet.of(RequestStatus.REJECTED, RequestStatus.RELEASED, RequestStatus.WITHDRAWN);
        assertThat(s.isTerminal()).isEqualTo(terminal.contains(s));
        assertThat(Transitions.owner(s).isEmpty()).isEqualTo(terminal.contains(s));
        assertThat(Transitions.movesFrom(s).isEmpty()).isEqualTo(terminal.contains(s));
        assertThat(RequestStatus.of(s.label())).isEqualTo(s);
    }

    @Test
    void everyStatusIsReachableFromDraft() {
        Set<RequestStatus> seen = EnumSet.of(RequestStatus.DRAFT);
        List<RequestStatus> todo = new ArrayList<>(seen);
        while (!todo.isEmpty()) {
            for (Transitions.Move m : Transitions.movesFrom(todo.remove(0))) {
                if (seen.add(m.to())) {
                    todo.add(m.to());
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(RequestStatus.values());
    }

    @Test
    void unknownStatusTextIsAnError() {
        assertThatThrownBy(() -> RequestStatus.of("approved-ish")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown request status 'approved-ish'");
    }

    @Test
    void theDiagramIsGeneratedFromTheTable() {
        String mermaid = Transitions.mermaid();
        assertThat(mermaid).startsWith("stateDiagram-v2\n");
        for (Transitions.Move m : Transitions.all()) {
            assertThat(mermaid).contains("    " + m.from().label() + " --> " + m.to().label() + ": ");
        }
        assertThat(mermaid).contains("released --> [*]").doesNotContain("draft --> [*]");
    }

    @Test
    void fileDecisionsNeedTwoReviewsAndAgreement() {
        assertThat(FileDecision.of(List.of())).isEqualTo(FileDecision.INCOMPLETE);
        assertThat(FileDecision.of(List.of(Decision.APPROVE))).isEqualTo(FileDecision.INCOMPLETE);
        assertThat(FileDecision.of(List.of(Decision.APPROVE, Decision.APPROVE))).isEqualTo(FileDecision.APPROVED);
        assertThat(FileDecision.of(List.of(Decision.APPROVE, Decision.CHANGES))).isEqualTo(FileDecision.CONFLICTED);
        assertThat(FileDecision.of(List.of(Decision.REJECT, Decision.REJECT))).isEqualTo(FileDecision.REJECTED);
        assertThat(FileDecision.of(List.of(Decision.CHANGES, Decision.CHANGES))).isEqualTo(FileDecision.CHANGES_REQUESTED);
        assertThatThrownBy(() -> Decision.of("approved")).hasMessage("unknown decision 'approved' (approve, changes or reject)");
    }

    /** What each status allows besides its moves: the table's answer for every status and capability. */
    static final Map<RequestStatus, java.util.Set<Capability>> CAPABILITIES = Map.of(
            RequestStatus.DRAFT, java.util.Set.of(Capability.CHANGE_FILES, Capability.WITHDRAW),
            RequestStatus.SUBMITTED, java.util.Set.of(Capability.REVIEW, Capability.WITHDRAW),
            RequestStatus.PARTIALLY_REVIEWED, java.util.Set.of(Capability.REVIEW, Capability.WITHDRAW),
            RequestStatus.REVIEWED, java.util.Set.of(Capability.REVIEW, Capability.RELEASE, Capability.WITHDRAW),
            RequestStatus.APPROVED, java.util.Set.of(Capability.RELEASE),
            RequestStatus.RETURNED, java.util.Set.of(Capability.CHANGE_FILES, Capability.WITHDRAW),
            RequestStatus.REJECTED, java.util.Set.of(),
            RequestStatus.RELEASED, java.util.Set.of(Capability.DOWNLOAD),
            RequestStatus.WITHDRAWN, java.util.Set.of());

    static Stream<org.junit.jupiter.params.provider.Arguments> capabilityMatrix() {
        List<org.junit.jupiter.params.provider.Arguments> out = new java.util.ArrayList<>();
        for (RequestStatus s : RequestStatus.values()) {
            for (Capability c : Capability.values()) {
                out.add(org.junit.jupiter.params.provider.Arguments.of(s, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} allows {1}?")
    @MethodSource("capabilityMatrix")
    void everyStatusAllowsExactlyWhatTheTableSays(RequestStatus status, Capability capability) {
        boolean expected = CAPABILITIES.get(status).contains(capability);
        assertThat(Transitions.allows(status, capability)).isEqualTo(expected);
        if (expected) {
            Transitions.checkAllows("R-1", status, capability, "doing it");
        } else {
            assertThatThrownBy(() -> Transitions.checkAllows("R-1", status, capability, "doing it"))
                    .isInstanceOf(InvalidStateTransitionException.class)
                    .hasMessageStartingWith("request R-1 is " + status.label() + ": doing it while it is ");
        }
    }

    @Test
    void everyAuditActionOfTheTableIsOneOfTheEnum() {
        assertThat(Transitions.all()).extracting(Transitions.Move::auditAction).doesNotContainNull();
        assertThat(java.util.Arrays.stream(AuditAction.values()).map(AuditAction::label).distinct().count())
                .isEqualTo(AuditAction.values().length);
    }
}
