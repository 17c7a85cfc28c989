package jp.nmi.enclave.genomics;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.dataset.DatasetReader;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.project.ProjectState;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The allele-frequency indexes of a project's extract, kept inside the extract's build directory
 * ({@code projects/<id>/extract/<build>/_af/project.idx}, and {@code <audience>.idx} for an
 * audience that reads fewer participants): written with the extract, removed with it, so that an
 * index never outlives or predates the extract it describes. Built from the extract's own Parquet
 * files in one pass each (participants, diagnoses, variants, genotypes), without Spark.
 */
public final class AfIndexStore {
    /** The directory in an extract build that holds its indexes. */
    public static final String DIRECTORY = "_af";
    /** The index of the project's own tables (an audience's is named after the audience). */
    public static final String PROJECT = "project";

    private record Cached(String file, long modified, long length, AlleleIndex index) {}

    private static final Map<String, Cached> CACHE = new ConcurrentHashMap<>();

    private final EnclaveStorage storage;
    private final Progress progress;

    public AfIndexStore(EnclaveStorage storage, Progress progress) {
        this.storage = requireNonNull(storage, "storage is null");
        this.progress = progress == null ? Progress.NONE : progress;
    }

    /** Whether an extract holds what an index needs: genotypes, variants and participants. */
    public static boolean applies(Map<String, ProjectState.Table> tables) {
        return tables.containsKey("genotypes") && tables.containsKey("variants") && tables.containsKey("participants");
    }

    /**
     * Builds and writes the indexes of an extract written to {@code buildDir}: one for the project's
     * tables, one per audience with person-level tables of its own. Nothing if it has no genotypes.
     */
    public void build(Path buildDir, Map<String, ProjectState.Table> tables, Map<String, ProjectState.Audience> audiences) {
        if (!applies(tables)) {
            return;
        }
        write(new Path(new Path(buildDir, DIRECTORY), PROJECT + ".idx"), index(tables, Map.of()));
        for (Map.Entry<String, ProjectState.Audience> a : audiences.entrySet()) {
            write(new Path(new Path(buildDir, DIRECTORY), a.getKey() + ".idx"), index(tables, a.getValue().tables()));
        }
    }

    /**
     * The index for {@code audience} (empty: the project's own) of the project's current extract,
     * from the cache while its file is unchanged; built now if the extract predates indexes.
     */
    public AlleleIndex load(String projectId, ProjectState.Extract extract, Optional<String> audience) {
        if (!applies(extract.tables())) {
            throw new ValidationException("project " + projectId + "'s extract holds no genotypes: its spec does not approve them");
        }
        String name = audience.filter(a -> extract.audiences().containsKey(a)).orElse(PROJECT);
        Path buildDir = buildDir(extract);
        Path file = new Path(new Path(buildDir, DIRECTORY), name + ".idx");
        try {
            if (!storage.fs().exists(file)) {
                build(buildDir, extract.tables(), extract.audiences());
            }
            FileStatus st = storage.fs().getFileStatus(file);
            // one index per project and audience in memory: the current build's (a new build replaces the old)
            String key = storage.fileSystemUri() + "/" + projectId + "/" + name;
            String path = Path.getPathWithoutSchemeAndAuthority(file).toString();
            Cached c = CACHE.get(key);
            if (c != null && c.file().equals(path) && c.modified() == st.getModificationTime() && c.length() == st.getLen()) {
                return c.index();
            }
            try (InputStream in = storage.fs().open(file)) {
                AlleleIndex index = AlleleIndex.read(in);
                CACHE.put(key, new Cached(path, st.getModificationTime(), st.getLen(), index));
                return index;
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the allele-frequency index of " + projectId + ": " + e.getMessage(), e);
        }
    }

    /** The extract's build directory: the parent of its tables' directories. */
    static Path buildDir(ProjectState.Extract extract) {
        return new Path(extract.tables().get("participants").location()).getParent();
    }

    private void write(Path file, AlleleIndex index) {
        HdfsFiles.writeAtomically(storage, file, index::write);
    }

    /** An index over the given tables, the audience's own replacing the project's where it has them. */
    AlleleIndex index(Map<String, ProjectState.Table> project, Map<String, ProjectState.Table> audience) {
        Map<String, ProjectState.Table> t = new HashMap<>(project);
        t.putAll(audience);
        try {
            Map<String, String[]> attrs = new LinkedHashMap<>();
            scan(t, "participants", List.of("participant_id", "age_band", "sex", "region"), row ->
                    attrs.put((String) row[0], new String[] {(String) row[1], (String) row[2], (String) row[3]}));
            Map<String, List<String>> codes = new HashMap<>();
            if (t.containsKey("diagnoses")) {
                scan(t, "diagnoses", List.of("participant_id", "icd10"), row -> {
                    if (row[1] != null && attrs.containsKey((String) row[0])) {
                        codes.computeIfAbsent((String) row[0], k -> new ArrayList<>()).add((String) row[1]);
                    }
                });
            }
            List<AlleleIndex.Variant> variants = new ArrayList<>();
            scan(t, "variants", List.of("variant_id", "chrom", "pos", "ref", "alt"), row -> variants.add(new AlleleIndex.Variant(
                    (String) row[0], (String) row[1], Math.toIntExact(((Number) row[2]).longValue()), (String) row[3], (String) row[4])));
            variants.sort(Comparator.comparing((AlleleIndex.Variant v) -> chromOrder(v.chrom())).thenComparingInt(AlleleIndex.Variant::pos)
                    .thenComparing(AlleleIndex.Variant::id));
            AlleleIndex.Builder b = new AlleleIndex.Builder();
            List<String> ids = new ArrayList<>(attrs.keySet());
            ids.sort(null);
            for (String id : ids) {
                String[] a = attrs.get(id);
                b.participant(id, a[0], a[1], a[2], codes.getOrDefault(id, List.of()).stream().distinct().toList());
            }
            variants.forEach(b::variant);
            try (Progress.Task task = progress.start("allele-frequency index: genotypes", t.get("genotypes").rows())) {
                scan(t, "genotypes", List.of("participant_id", "variant_id", "alt_count"), row -> {
                    b.genotype((String) row[0], (String) row[1], ((Number) row[2]).intValue());
                    task.advance(1);
                });
            }
            return b.build();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot build the allele-frequency index: " + e.getMessage(), e);
        }
    }

    private void scan(Map<String, ProjectState.Table> tables, String name, List<String> columns, DatasetReader.RowConsumer consumer)
            throws IOException {
        ProjectState.Table table = tables.get(name);
        DatasetRegistry.Entry entry = new DatasetRegistry.Entry(name, "extract", table.location(), table.columns(), table.rows(),
                table.contentHash(), "", table.files());
        DatasetReader.scan(storage.configuration(), storage.fileSystemUri().toString(), entry, columns, consumer);
    }

    static String chromOrder(String chrom) {
        return Chromosomes.order(chrom);
    }
}
