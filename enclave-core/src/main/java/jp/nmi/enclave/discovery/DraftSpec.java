package jp.nmi.enclave.discovery;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import jp.nmi.enclave.dataset.DatasetSchemas;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.error.ValidationException;

/**
 * A discovery result saved as the draft of a project spec, for the operator: the criteria that were
 * counted become the spec's {@code cohort.criteria}, which the extract selects through the same
 * index, so that what was counted is what is provisioned. The draft is a complete spec (it parses
 * and applies as it stands); the lines the committee's decision must settle say so.
 */
public final class DraftSpec {
    private DraftSpec() {}

    /**
     * @param projectId the project's id (upper-case letters, digits and '-')
     * @param researcher who counted, the draft's lead
     * @param answer what was counted and shown
     */
    public static String yaml(String projectId, String researcher, Discovery.Answer answer, LocalDate today) {
        if (projectId == null || !projectId.matches("[A-Z][A-Z0-9-]{1,31}")) {
            throw new ValidationException("--project-id: '" + projectId + "' is not a project id (upper-case letters, digits and -,"
                    + " e.g. BC-2027)");
        }
        StringBuilder y = new StringBuilder();
        y.append("# Draft project spec saved from cohort discovery on ").append(today).append(" by ").append(researcher).append(".\n");
        y.append("# Counted: ").append(answer.total().shown()).append(" participants (").append(answer.precision()).append(").\n");
        y.append("# The cohort below is what was counted; the extract also leaves out participants whose consent does not\n");
        y.append("# cover the purpose, and everyone who opted out. Lines marked REVIEW are for the committee's decision.\n");
        y.append("# Apply with: ./enclave project plan FILE, then ./enclave project apply FILE\n");
        y.append("id: ").append(projectId).append('\n');
        y.append("title: ").append(quote("Cohort from discovery: " + answer.criteria())).append("   # REVIEW\n");
        y.append("purpose:\n  code: HMB                 # REVIEW: the DUO permission approved (GRU, HMB, DS, POA)\n");
        y.append("  commercial: false         # REVIEW\n");
        y.append("approval:\n  reference: PENDING        # REVIEW: the committee's decision\n");
        y.append("  date: ").append(today).append('\n');
        y.append("start: ").append(today).append('\n');
        y.append("end: ").append(today.plusYears(1)).append("            # REVIEW\n");
        // the one who counted leads the draft; project members must be analysts of the directory, which a registered
        // researcher becomes when the project is approved (apply says so otherwise)
        y.append("members:                    # REVIEW: members must be analysts of the enclave's directory\n");
        y.append("  - user: ").append(researcher).append("\n    role: lead\n    affiliation: academic   # REVIEW\n");
        y.append("datasets:                   # REVIEW: only the columns approved\n");
        for (TableSchema t : List.of(DatasetSchemas.PARTICIPANTS, DatasetSchemas.DIAGNOSES, DatasetSchemas.SAMPLES)) {
            y.append("  ").append(t.name()).append(": [").append(String.join(", ", t.columnNames())).append("]\n");
        }
        y.append("cohort:\n  criteria: ").append(quote(answer.criteria().toString())).append('\n');
        y.append("disclosure_profile: ndb\n");
        return y.toString();
    }

    /** A YAML double-quoted scalar. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
