package jp.nmi.enclave.project;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import jp.nmi.enclave.consent.ConsentRegistry;
import jp.nmi.enclave.dataset.Column;
import jp.nmi.enclave.dataset.ColumnType;
import jp.nmi.enclave.dataset.DatasetReader;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetWriter;
import jp.nmi.enclave.dataset.Sensitivity;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.pseudonym.Pseudonymizer;
import org.apache.hadoop.fs.Path;

/**
 * Writes a project's extract: the approved columns of the approved datasets, for the cohort only,
 * leaving out participants whose consent does not cover the purpose and everyone who opted out,
 * with every pseudonym re-keyed under the project's own key
 * ({@code hex(HMAC-SHA256(project key, "project:" + provider pseudonym))}, the same function as
 * {@code enclave_pseudonym}), so that two projects' identifiers never match.
 */
final class ExtractBuilder {
    /** What was written. */
    record Result(Map<String, ProjectState.Table> tables, Map<String, ProjectState.Audience> audiences, int participants,
            int leftOutByConsent, int leftOutByOptout, Set<String> eligible, Map<String, List<String>> notAdmitted) {}

    /**
     * The audience of industry members in a project whose purpose is not commercial: participants
     * whose consent prohibits commercial use are not in its files at all, so nothing an industry
     * member's statement evaluates can touch them (a runtime row filter alone lets a crafted
     * expression raise an error on a hidden row before the filter removes it).
     */
    static final String COMMERCIAL_USE_AUDIENCE = "commercial-use";
    static final String INDUSTRY_GROUP = "industry";

    private final EnclaveStorage storage;
    private final Progress progress;

    ExtractBuilder(EnclaveStorage storage, Progress progress) {
        this.storage = storage;
        this.progress = progress;
    }

    /**
     * Who a spec's extract holds: the participants its purpose and cohort select, with whether each
     * prohibits commercial use (for the industry audience), and whom dynamic consent held back.
     *
     * @param leftOut [0] left out by consent (including held back), [1] by opt-out
     * @param notAdmitted provider pseudonyms held back by scope ({@link ProjectConsent}); empty scopes omitted
     */
    record Selection(Set<String> eligible, Map<String, Boolean> prohibited, int[] leftOut, Map<String, List<String>> notAdmitted) {}

    /**
     * Reads the participants (and diagnoses, samples as the cohort needs) of the published datasets:
     * what a plan counts. Each participant's consent is the datasets' with every recorded change on top.
     *
     * @param previous the extract in force, or null for a first build: who widened their consent since is held back
     *     unless the spec admits widened consent
     */
    Selection select(ProjectSpec spec, DatasetRegistry registry, Set<String> optedOut, ConsentRegistry consents,
            ProjectState.Extract previous) throws IOException {
        String fs = storage.fileSystemUri().toString();
        ProjectSpec.Cohort cohort = spec.cohort();
        Set<String> eligible = new HashSet<>();
        Map<String, Boolean> prohibited = new HashMap<>();
        int[] leftOut = new int[2];
        Map<String, List<ProjectConsent.Indexed>> changes = ProjectConsent.byParticipant(consents);
        Set<String> heldFromProject = new java.util.TreeSet<>();
        Set<String> heldFromAudience = new java.util.TreeSet<>();
        DatasetReader.scan(storage.configuration(), fs, entry(registry, "participants"),
                List.of("participant_id", "sex", "age_band", "region", "commercial_use_prohibited", "duo_codes"), row -> {
                    String id = (String) row[0];
                    @SuppressWarnings("unchecked")
                    List<String> duo = (List<String>) row[5];
                    boolean noCommercial = Boolean.TRUE.equals(row[4]);
                    if (optedOut.contains(id)) {
                        leftOut[1]++;
                        return;
                    }
                    ProjectConsent.Decision d = ProjectConsent.decide(spec, id, new ConsentRegistry.Consent(duo, noCommercial),
                            changes.getOrDefault(id, List.of()), previous);
                    if (!d.project()) {
                        leftOut[0]++;
                        if (d.heldFromProject()) {
                            heldFromProject.add(id);
                        }
                        return;
                    }
                    if (d.heldFromAudience()) {
                        heldFromAudience.add(id);
                    }
                    if ((cohort.sex().isEmpty() || cohort.sex().contains((String) row[1]))
                            && (cohort.ageBands().isEmpty() || cohort.ageBands().contains((String) row[2]))
                            && (cohort.regions().isEmpty() || cohort.regions().contains((String) row[3]))) {
                        eligible.add(id);
                        // the audience's view: what the consent allows now, and nobody it did not admit
                        prohibited.put(id, !d.audience());
                    }
                });
        if (!cohort.icd10().isEmpty()) {
            Set<String> diagnosed = new HashSet<>();
            DatasetReader.scan(storage.configuration(), fs, entry(registry, "diagnoses"), List.of("participant_id", "icd10"), row -> {
                String code = (String) row[1];
                if (cohort.icd10().stream().anyMatch(code::startsWith)) {
                    diagnosed.add((String) row[0]);
                }
            });
            eligible.retainAll(diagnosed);
        }
        if (!cohort.sampleTypes().isEmpty()) {
            Set<String> sampled = new HashSet<>();
            DatasetReader.scan(storage.configuration(), fs, entry(registry, "samples"), List.of("participant_id", "sample_type"), row -> {
                if (cohort.sampleTypes().contains((String) row[1])) {
                    sampled.add((String) row[0]);
                }
            });
            eligible.retainAll(sampled);
        }
        if (!cohort.criteria().isEmpty()) {
            // the same index and matching cohort discovery counted with: what was counted is what is provisioned
            eligible.retainAll(jp.nmi.enclave.discovery.DiscoveryIndex.of(storage, registry, optedOut)
                    .matching(jp.nmi.enclave.discovery.Criteria.parse(cohort.criteria())));
        }

        Map<String, List<String>> notAdmitted = new java.util.TreeMap<>();
        if (!heldFromProject.isEmpty()) {
            notAdmitted.put(ProjectConsent.PROJECT, List.copyOf(heldFromProject));
        }
        if (!heldFromAudience.isEmpty()) {
            notAdmitted.put(ProjectConsent.AUDIENCE, List.copyOf(heldFromAudience));
        }
        return new Selection(eligible, prohibited, leftOut, notAdmitted);
    }

    Result build(ProjectSpec spec, DatasetRegistry registry, Set<String> optedOut, ConsentRegistry consents, ProjectState.Extract previous,
            SecretKey projectKey, Path directory) throws IOException {
        String fs = storage.fileSystemUri().toString();
        Pseudonymizer rekey = new Pseudonymizer(projectKey, "project");
        ProjectSpec.Cohort cohort = spec.cohort();

        // 1. who is in: consent, opt-outs, cohort criteria on participants
        Selection selection = select(spec, registry, optedOut, consents, previous);
        Set<String> eligible = selection.eligible();
        Map<String, Boolean> prohibited = selection.prohibited();
        int[] leftOut = selection.leftOut();

        // 2. every approved table, filtered and re-keyed; person-level tables a second time for the
        // industry audience, without the participants whose consent prohibits commercial use
        boolean industry = spec.members().stream().anyMatch(jp.nmi.enclave.project.ProjectMember::isIndustry);
        boolean audience = industry && !spec.purpose().commercial();
        Map<String, ProjectState.Table> audienceTables = new LinkedHashMap<>();
        Path audienceDir = new Path(new Path(directory, "audiences"), COMMERCIAL_USE_AUDIENCE);
        Map<String, ProjectState.Table> tables = new LinkedHashMap<>();
        Map<String, String> projectIds = new HashMap<>();
        for (String p : eligible) {
            projectIds.put(p, rekey.pseudonym(p));
        }
        for (Map.Entry<String, List<String>> approved : spec.datasets().entrySet()) {
            DatasetRegistry.Entry source = entry(registry, approved.getKey());
            TableSchema target = subset(source.schema(), approved.getValue());
            List<String> columns = target.columnNames();
            int participantColumn = columns.indexOf("participant_id");
            int sampleColumn = columns.indexOf("sample_id");
            boolean filterSampleTypes = source.name().equals("samples") && !cohort.sampleTypes().isEmpty();
            List<String> read = new ArrayList<>(columns);
            if (filterSampleTypes && !read.contains("sample_type")) {
                read.add("sample_type");
            }
            int typeColumn = read.indexOf("sample_type");
            Path dir = new Path(directory, source.name());
            boolean split = audience && participantColumn >= 0;
            try (DatasetWriter writer = new DatasetWriter(storage.configuration(), dir, target, 5_000_000);
                    DatasetWriter restricted = split ? new DatasetWriter(storage.configuration(), new Path(audienceDir, source.name()),
                            target, 5_000_000) : null;
                    Progress.Task task = progress.start(spec.id() + " extract " + source.name(), source.rowCount())) {
                DatasetReader.scan(storage.configuration(), fs, source, read, row -> {
                    task.advance(1);
                    boolean commercialAllowed = true;
                    if (participantColumn >= 0) {
                        String provider = (String) row[participantColumn];
                        String projectId = projectIds.get(provider);
                        if (projectId == null) {
                            return;
                        }
                        commercialAllowed = !Boolean.TRUE.equals(prohibited.get(provider));
                        row[participantColumn] = projectId;
                    }
                    if (filterSampleTypes && !cohort.sampleTypes().contains((String) row[typeColumn])) {
                        return;
                    }
                    if (sampleColumn >= 0 && row[sampleColumn] != null) {
                        row[sampleColumn] = rekey.pseudonym((String) row[sampleColumn]);
                    }
                    Object[] out = read.size() == columns.size() ? row : java.util.Arrays.copyOf(row, columns.size());
                    writer.write(out);
                    if (split && commercialAllowed) {
                        restricted.write(out);
                    }
                });
                List<DatasetRegistry.DataFile> files = writer.finish();
                tables.put(source.name(), table(dir, target, writer.rows(), files));
                if (split) {
                    List<DatasetRegistry.DataFile> restrictedFiles = restricted.finish();
                    audienceTables.put(source.name(), table(new Path(audienceDir, source.name()), target, restricted.rows(),
                            restrictedFiles));
                }
            }
        }
        // 3. the consent scope the industry row filter reads (never the analysts: no policy grants it);
        // the filter stays as a second line behind the audience's own files
        if (audience) {
            TableSchema consent = new TableSchema(ProjectPolicies.CONSENT_TABLE, List.of(
                    Column.of("participant_id", ColumnType.STRING, Sensitivity.PSEUDONYM),
                    Column.of("commercial_use_prohibited", ColumnType.BOOLEAN, Sensitivity.CONSENT)));
            Path dir = new Path(directory, ProjectPolicies.CONSENT_TABLE);
            try (DatasetWriter writer = new DatasetWriter(storage.configuration(), dir, consent, 5_000_000)) {
                for (String p : eligible.stream().sorted().toList()) {
                    writer.write(new Object[] {projectIds.get(p), prohibited.get(p)});
                }
                tables.put(consent.name(), table(dir, consent, writer.rows(), writer.finish()));
            }
            // and the audience's own copy, like every table that holds people
            Path own = new Path(audienceDir, ProjectPolicies.CONSENT_TABLE);
            try (DatasetWriter writer = new DatasetWriter(storage.configuration(), own, consent, 5_000_000)) {
                for (String p : eligible.stream().sorted().toList()) {
                    if (!Boolean.TRUE.equals(prohibited.get(p))) {
                        writer.write(new Object[] {projectIds.get(p), prohibited.get(p)});
                    }
                }
                audienceTables.put(consent.name(), table(own, consent, writer.rows(), writer.finish()));
            }
        }
        Map<String, ProjectState.Audience> audiences = audience
                ? Map.of(COMMERCIAL_USE_AUDIENCE, new ProjectState.Audience(List.of(INDUSTRY_GROUP), audienceTables))
                : Map.of();
        return new Result(tables, audiences, eligible.size(), leftOut[0], leftOut[1], Set.copyOf(eligible), selection.notAdmitted());
    }

    private static ProjectState.Table table(Path dir, TableSchema schema, long rows, List<DatasetRegistry.DataFile> files) {
        return new ProjectState.Table(Path.getPathWithoutSchemeAndAuthority(dir).toString(), rows, DatasetWriter.contentHash(files),
                schema.columns(), files);
    }

    private static TableSchema subset(TableSchema schema, List<String> columns) {
        List<Column> out = new ArrayList<>();
        for (Column c : schema.columns()) {
            if (columns.contains(c.name())) {
                out.add(c);
            }
        }
        return new TableSchema(schema.name(), out);
    }

    private static DatasetRegistry.Entry entry(DatasetRegistry registry, String name) {
        return registry.dataset(name).orElseThrow(() -> new jp.nmi.enclave.error.NotFoundException(
                "dataset " + name + " is not published: run ./enclave ingest first"));
    }
}
