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
public record ProjectState(int format, String id, String status, ProjectSpec spec, String specSha256, String appliedAt,
        String appliedBy, Extract extract, String closedAt, String closedBy, String certificate) {
    public static final int FORMAT = 1;
    public static final String ACTIVE = "active";
    public static final String CLOSED = "closed";

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isActive() {
        return ACTIVE.equals(status);
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
     */
    public record Extract(String build, String fingerprint, String sourcePublication, int participants, List<String> optedOut,
            Map<String, Table> tables) {}

    /** One table of the extract. */
    public record Table(String location, long rows, String contentHash, List<Column> columns, List<DatasetRegistry.DataFile> files) {}
}
