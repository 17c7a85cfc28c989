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
    record Result(Map<String, ProjectState.Table> tables, int participants, int leftOutByConsent, int leftOutByOptout) {}

    private final EnclaveStorage storage;
    private final Progress progress;

    ExtractBuilder(EnclaveStorage storage, Progress progress) {
        this.storage = storage;
        this.progress = progress;
    }

    Result build(ProjectSpec spec, DatasetRegistry registry, Set<String> optedOut, SecretKey projectKey, Path directory)
            throws IOException {
        String fs = storage.fileSystemUri().toString();
        Pseudonymizer rekey = new Pseudonymizer(projectKey, "project");
        ProjectSpec.Cohort cohort = spec.cohort();

        // 1. who is in: consent, opt-outs, cohort criteria on participants
        Set<String> eligible = new HashSet<>();
        Map<String, Boolean> prohibited = new HashMap<>();
        int[] leftOut = new int[2];
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
                    if (!Consent.covers(duo, noCommercial, spec.purpose())) {
                        leftOut[0]++;
                        return;
                    }
                    if ((cohort.sex().isEmpty() || cohort.sex().contains((String) row[1]))
                            && (cohort.ageBands().isEmpty() || cohort.ageBands().contains((String) row[2]))
                            && (cohort.regions().isEmpty() || cohort.regions().contains((String) row[3]))) {
                        eligible.add(id);
                        prohibited.put(id, noCommercial);
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

        // 2. every approved table, filtered and re-keyed
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
            try (DatasetWriter writer = new DatasetWriter(storage.configuration(), dir, target, 5_000_000);
                    Progress.Task task = progress.start(spec.id() + " extract " + source.name(), source.rowCount())) {
                DatasetReader.scan(storage.configuration(), fs, source, read, row -> {
                    task.advance(1);
                    if (participantColumn >= 0) {
                        String projectId = projectIds.get((String) row[participantColumn]);
                        if (projectId == null) {
                            return;
                        }
                        row[participantColumn] = projectId;
                    }
                    if (filterSampleTypes && !cohort.sampleTypes().contains((String) row[typeColumn])) {
                        return;
                    }
                    if (sampleColumn >= 0 && row[sampleColumn] != null) {
                        row[sampleColumn] = rekey.pseudonym((String) row[sampleColumn]);
                    }
                    writer.write(read.size() == columns.size() ? row : java.util.Arrays.copyOf(row, columns.size()));
                });
                List<DatasetRegistry.DataFile> files = writer.finish();
                tables.put(source.name(), table(dir, target, writer.rows(), files));
            }
        }
        // 3. the consent scope the industry row filter reads (never the analysts: no policy grants it)
        boolean industry = spec.members().stream().anyMatch(ProjectSpec.Member::isIndustry);
        if (industry && !spec.purpose().commercial()) {
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
        }
        return new Result(tables, eligible.size(), leftOut[0], leftOut[1]);
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
