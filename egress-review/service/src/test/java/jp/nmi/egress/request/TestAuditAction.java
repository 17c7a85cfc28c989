package jp.nmi.egress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit vocabulary as a table: names, the details each action declares, and refusals of anything else. */
class TestAuditAction {
    @Test
    void labelsAreUniqueAndDotted() {
        assertThat(Arrays.stream(AuditAction.values()).map(AuditAction::label).distinct().count()).isEqualTo(AuditAction.values().length);
        assertThat(AuditAction.values()).allSatisfy(a -> assertThat(a.label()).matches("[a-z]+\\.[a-z_]+"));
    }

    @Test
    void everyMoveOfTheStateMachineDeclaresWhereItWentFromAndTo() {
        assertThat(Transitions.all()).allSatisfy(m -> assertThat(m.auditAction().details()).contains("request", "from", "to", "round"));
    }

    @Test
    void anUndeclaredDetailIsRefusedByName() {
        assertThatThrownBy(() -> AuditAction.FILE_DOWNLOAD.check(Map.of("request", "r1", "file", "t.csv", "path", "/x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("audit event file.download has the detail 'path', which it does not declare [file, request, sha256]");
    }

    @Test
    void anEventMustNameItsRequest() {
        assertThatThrownBy(() -> AuditAction.RELEASE_ROLLED_BACK.check(Map.of("reason", "copy failed")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("audit event release.rolled_back does not name its request");
    }

    @Test
    void declaredDetailsPass() {
        AuditAction.REQUEST_RETURN.check(Map.of("request", "r1", "from", "reviewed", "to", "returned", "round", 1, "message", "see comments"));
        assertThat(AuditAction.REQUEST_RETURN.details()).contains("message");
    }
}
