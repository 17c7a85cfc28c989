package jp.nmi.enclave.project;

import java.util.List;
import java.util.Map;
import jp.nmi.enclave.dataset.Column;
import jp.nmi.enclave.dataset.DatasetRegistry;

/**
 * A project as applied: {@code <root>/projects/<id>/project.json}, readable by the provider only.
 *
 * @param format state format version
 * @param id the project id
 * @param status {@code active} or {@code closed}
 * @param spec the spec last applied
 * @param specSha256 SHA-256 of the spec's canonical JSON
 * @param appliedAt when it was last applied
 * @param appliedBy who applied it
 * @param extract the extract in force, or null once closed
 * @param closedAt when it was closed, or null
 * @param closedBy who closed it, or null
 * @param certificate where the destruction certificate is, or null
 */
public record ProjectState(int format, String id, ProjectStatus status, ProjectSpec spec, String specSha256, String appliedAt,
        String appliedBy, Extract extract, String closedAt, String closedBy, String certificate) {
    public static final int FORMAT = 1;
    public static final ProjectStatus ACTIVE = ProjectStatus.ACTIVE;
    public static final ProjectStatus CLOSED = ProjectStatus.CLOSED;

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isActive() {
        return status == ProjectStatus.ACTIVE;
    }

    /**
     * The extract in force.
     *
     * @param build its build id (a directory under extract/)
     * @param fingerprint what it was built from (spec, source publication, opt-outs, key): a rebuild happens when it changes
     * @param sourcePublication the dataset publication it was built from
     * @param participants participants in the cohort
     * @param optedOut provider pseudonyms already left out when it was built
     * @param tables its tables
     * @param audiences person-level tables again for audiences that may see fewer participants
     *     (industry members of a non-commercial project), by audience name; empty if none
     * @param consentSequence the number of consent changes recorded when it was built (null: built before
     *     dynamic consent, every change counts as later)
     * @param notAdmitted provider pseudonyms whose consent widened but whom the project did not admit,
     *     by scope ({@link ProjectConsent#PROJECT}, {@link ProjectConsent#AUDIENCE}); they stay out of
     *     later rebuilds too until the spec admits widened consent
     */
    public record Extract(String build, String fingerprint, String sourcePublication, int participants, List<String> optedOut,
            Map<String, Table> tables, Map<String, Audience> audiences, Integer consentSequence, Map<String, List<String>> notAdmitted) {
        public Extract {
            audiences = audiences == null ? Map.of() : Map.copyOf(audiences);
            notAdmitted = notAdmitted == null ? Map.of() : Map.copyOf(notAdmitted);
        }
    }

    /**
     * The files one audience of a project reads instead of the extract's own.
     *
     * @param groups the groups (as the project's directory gives them) whose members are this audience
     * @param tables its tables, by dataset name: a subset of the extract's rows
     */
    public record Audience(List<String> groups, Map<String, Table> tables) {}

    /** One table of the extract. */
    public record Table(String location, long rows, String contentHash, List<Column> columns, List<DatasetRegistry.DataFile> files) {}
}
