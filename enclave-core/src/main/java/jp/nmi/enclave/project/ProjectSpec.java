package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * What the data-use review committee approved for a project, as the operator writes it in a YAML
 * file under version control. Applying the spec creates exactly this, and nothing more.
 *
 * @param id project id, e.g. {@code DEMO-1}
 * @param title a human title
 * @param purpose what the data may be used for (DUO) and whether the use is commercial
 * @param approval the committee's decision
 * @param start first day of access (Asia/Tokyo)
 * @param end last day of access (Asia/Tokyo); after it every query is denied
 * @param members who works in the project
 * @param datasets approved datasets and their approved columns
 * @param cohort which participants the extract holds
 * @param masks column masks and denials, first matching rule per column and member wins
 * @param disclosureProfile the disclosure-check profile for the project's exports
 * @param regulatory the approved regulatory route, or null
 * @param genomics settings of the allele-frequency service, or null for the defaults
 * @param register what the public data-use register says of the project beyond the spec's own
 *     fields, and what it withholds; null: the defaults (nothing withheld, organisations by kind only)
 */
public record ProjectSpec(String id, String title, Purpose purpose, Approval approval, LocalDate start, LocalDate end,
        List<ProjectMember> members, Map<String, List<String>> datasets, Cohort cohort, List<MaskRule> masks, String disclosureProfile,
        RegulatoryDeclaration regulatory, Genomics genomics, Register register) {
    public ProjectSpec {
        requireNonNull(id, "id is null");
        members = List.copyOf(members);
        datasets = Map.copyOf(datasets);
        masks = List.copyOf(masks);
    }

    /**
     * @param code DUO permission: GRU, HMB, DS or POA
     * @param disease for DS, the MONDO term (e.g. {@code MONDO:0007254})
     * @param commercial whether the use is commercial (then no participant whose consent forbids it enters the extract)
     */
    public record Purpose(String code, String disease, boolean commercial) {}

    /**
     * The allele-frequency service of a project whose datasets include genotypes.
     *
     * @param afQueryBudget strata each member may ask for over the project's life (the defence against
     *     membership inference by many queries); {@link #DEFAULT_AF_QUERY_BUDGET} when the spec does not say
     */
    public record Genomics(int afQueryBudget) {
        public static final int DEFAULT_AF_QUERY_BUDGET = 500;
    }

    /**
     * The project as the public data-use register shows it.
     *
     * @param summary a plain-language summary, or null
     * @param organisations the organisations involved (never people); empty: only their kinds, from the members
     * @param confidential fields the register withholds ({@link #WITHHOLDABLE})
     */
    public record Register(String summary, List<Organisation> organisations, List<String> confidential) {
        /** What a spec may withhold from the register; purpose, approval, datasets, dates and status are always public. */
        public static final List<String> WITHHOLDABLE = List.of("title", "summary", "organisations", "outputs");

        public Register {
            organisations = List.copyOf(organisations);
            confidential = List.copyOf(confidential);
        }

        public boolean withholds(String field) {
            return confidential.contains(field);
        }
    }

    /** An organisation involved in a project: its name and whether it is academic or industry. */
    public record Organisation(String name, String kind) {}

    /** The register section, or the defaults. */
    public Register registerOrDefault() {
        return register == null ? new Register(null, List.of(), List.of()) : register;
    }

    /** The allele-frequency query budget per member: the spec's, or the default. */
    public int afQueryBudget() {
        return genomics == null ? Genomics.DEFAULT_AF_QUERY_BUDGET : genomics.afQueryBudget();
    }

    /** The review committee's reference and date of approval. */
    public record Approval(String reference, LocalDate date) {}

    /**
     * Declarative cohort: every given criterion must hold; an empty list means no restriction.
     *
     * @param criteria cohort discovery's criteria ({@code icd10=C50,sample_type=dna;...}), as a
     *     saved discovery result writes them, or empty: the extract selects through the same index
     *     discovery counted with
     * @param admitWidenedConsent whether the next apply admits participants whose consent widened to
     *     cover the purpose since the extract was written (or who left and widened again); without
     *     it nobody joins the project because of a consent change ({@link ProjectConsent})
     */
    public record Cohort(List<String> icd10, List<String> ageBands, List<String> sex, List<String> regions, List<String> sampleTypes,
            String criteria, boolean admitWidenedConsent) {
        public Cohort {
            criteria = criteria == null ? "" : criteria;
            icd10 = List.copyOf(icd10);
            ageBands = List.copyOf(ageBands);
            sex = List.copyOf(sex);
            regions = List.copyOf(regions);
            sampleTypes = List.copyOf(sampleTypes);
        }
    }

    /**
     * A mask (or a denial) of one column for some members.
     *
     * @param column {@code table.column}
     * @param mask a Ranger mask type (MASK, MASK_HASH, MASK_NULL, MASK_DATE_SHOW_YEAR, ...) or {@code DENY}
     * @param members {@code all}, {@code academic}, {@code industry}, a role, or a user name
     * @param value for CUSTOM masks, the expression with {@code {col}}
     */
    public record MaskRule(String column, String mask, String members, String value) {
        /** The spec's own mask "type": the column is not granted to these members at all. */
        public static final String DENY = "DENY";

        public String table() {
            return column.substring(0, column.indexOf('.'));
        }

        public String columnName() {
            return column.substring(column.indexOf('.') + 1);
        }

        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean isDenial() {
            return DENY.equals(mask);
        }
    }

    /** The SQL database of the project's tables. */
    public String database() {
        return jp.nmi.enclave.authz.ProjectScope.databaseOf(id);
    }

    /** The Ranger group of the project's members. */
    public String group() {
        return id.toLowerCase(java.util.Locale.ROOT);
    }

    /** The key store alias of the project's pseudonym key. */
    public String keyAlias() {
        return "project-" + id.toLowerCase(java.util.Locale.ROOT);
    }

    /** Members a mask rule's {@code members} names. */
    public List<ProjectMember> membersOf(String selector) {
        return members.stream().filter(m -> selector.equals("all") || selector.equals(m.affiliation()) || selector.equals(m.role())
                || selector.equals(m.user())).toList();
    }
}
