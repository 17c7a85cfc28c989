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

    @Test
    void detailsAreTypedRecordsWrittenInSnakeCaseWithoutAbsentParts() {
        AuditDetails.Moved released = AuditDetails.Moved.of("r1", RequestStatus.APPROVED, RequestStatus.RELEASED, null)
                .withFiles(Map.of("t.csv", "ab12")).withRecovered(false).withPackage(Map.of("MANIFEST.json", "cd34"));
        assertThat(released.toMap()).containsOnlyKeys("request", "from", "to", "files", "recovered", "package")
                .containsEntry("from", "approved").containsEntry("to", "released");
        assertThat(new AuditDetails.RequestCreated("r1", java.util.List.of("t.csv"), "regulatory", "PMDA", "safety study", "c", "n", "ndb")
                .toMap()).containsEntry("regulatory_purpose", "safety study");
        assertThat(new AuditDetails.DescriptionEdited("r1", 2, new AuditDetails.Change("old", "new"), null).toMap())
                .containsEntry("context", Map.of("from", "old", "to", "new")).doesNotContainKey("controls");
        AuditAction.REQUEST_RELEASE.check(released);
        assertThat(Arrays.stream(AuditAction.values())).allSatisfy(a -> assertThat(a.details()).contains(AuditAction.REQUEST));
    }

    @Test
    void detailsOfAnotherKindAreRefusedNamingBoth() {
        assertThatThrownBy(() -> AuditAction.FILE_DOWNLOAD.check(new AuditDetails.ReleaseRolledBack("r1", "copy failed")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("audit event file.download records FileDownloaded, not ReleaseRolledBack");
        assertThatThrownBy(() -> new AuditDetails.FileDownloaded(null, "t.csv", "ab")).isInstanceOf(NullPointerException.class)
                .hasMessage("request is null");
    }
}
