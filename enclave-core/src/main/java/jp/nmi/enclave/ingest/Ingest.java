package jp.nmi.enclave.ingest;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import jp.nmi.enclave.api.EnclaveLayout;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.dataset.DatasetSchemas;
import jp.nmi.enclave.dataset.DatasetWriter;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import jp.nmi.enclave.io.CsvReader;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.optout.OptoutRegistry;
import jp.nmi.enclave.optout.OptoutRequests;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.pseudonym.Pseudonymizer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.io.api.Binary;

/**
 * Turns a provider's source files into the enclave's pseudonymized Parquet datasets: the
 * second half, staging and publishing what {@link IngestSource} parsed, validated and
 * pseudonymized.
 *
 * <ul>
 *   <li>Direct identifiers are read only to scrub them from free text and are never written.
 *   <li>Patient and sample IDs become keyed pseudonyms (HMAC-SHA256 under the provider key).
 *   <li>Participants who opted out (now or before: the opt-out registry only grows) and
 *       participants without a consent record are left out of every dataset.
 *   <li>Everything is written to a staging directory first. Publication is one atomic rename of
 *       the dataset registry after every table succeeded; a failure or crash at any point before
 *       it leaves the previous publication as it was, and the next ingest removes the leftovers.
 *   <li>Bad input stops ingest with the file, line and reason.
 * </ul>
 */
public final class Ingest {
    static final String VCF = IngestSource.VCF;
    static final String VCF_GZ = IngestSource.VCF_GZ;

    /**
     * Named points of the publication ({@code staged}, {@code table-written:<table>},
     * {@code optouts-recorded}, {@code moved:<table>}, {@code before-commit}, {@code committed}):
     * where tests stop the process as a crash would, to show that no point leaves a half-published
     * state. Production passes {@link #NONE}.
     */
    @FunctionalInterface
    public interface Checkpoints {
        Checkpoints NONE = name -> { };

        void reached(String name);
    }

    /**
     * What to ingest.
     *
     * @param source the directory of source files
     * @param keyStore the provider's key store file (created on first use)
     * @param optoutFile opt-out requests to record and apply, or null
     * @param rowsPerFile rows per Parquet file
     */
    public record Request(java.nio.file.Path source, java.nio.file.Path keyStore, java.nio.file.Path optoutFile,
            long rowsPerFile) {
        public static final long DEFAULT_ROWS_PER_FILE = 5_000_000L;

        public Request {
            requireNonNull(source, "source is null");
            requireNonNull(keyStore, "keyStore is null");
            if (rowsPerFile < 1) {
                throw new ValidationException("rows per file must be positive, got " + rowsPerFile);
            }
        }

        public Request(java.nio.file.Path source, java.nio.file.Path keyStore, java.nio.file.Path optoutFile) {
            this(source, keyStore, optoutFile, DEFAULT_ROWS_PER_FILE);
        }
    }

    /**
     * What ingest published.
     *
     * @param publication the new publication's id
     * @param datasets the published datasets
     * @param optedOutLeftOut participants in the source left out because they opted out
     * @param withoutConsentLeftOut participants in the source left out for lack of a consent record
     * @param newOptouts opt-out requests recorded by this ingest
     * @param recoveredFrom the publication of an interrupted ingest cleaned up first, or null
     * @param elapsed wall-clock time
     */
    public record Report(String publication, List<DatasetRegistry.Entry> datasets, int optedOutLeftOut,
            int withoutConsentLeftOut, int newOptouts, String recoveredFrom, Duration elapsed) {}

    private final EnclaveStorage storage;
    private final Request request;
    private final Progress progress;
    private final EnclaveLayout layout;
    private final Checkpoints checkpoints;
    private IngestSource source;

    private Ingest(EnclaveStorage storage, Request request, Progress progress, Checkpoints checkpoints) {
        this.storage = storage;
        this.request = request;
        this.progress = progress;
        this.layout = storage.layout();
        this.checkpoints = checkpoints;
    }

    /**
     * Ingests {@code request.source()} and publishes the result.
     *
     * @throws ValidationException for bad input (nothing published, previous publication intact)
     * @throws EnclaveStorageException if HDFS or the key store fails (likewise)
     */
    public static Report run(EnclaveStorage storage, Request request, Progress progress) {
        return run(storage, request, progress, Checkpoints.NONE);
    }

    /** As {@link #run(EnclaveStorage, Request, Progress)}, telling {@code checkpoints} where it is (tests). */
    public static Report run(EnclaveStorage storage, Request request, Progress progress, Checkpoints checkpoints) {
        requireNonNull(storage, "storage is null");
        requireNonNull(request, "request is null");
        requireNonNull(progress, "progress is null");
        requireNonNull(checkpoints, "checkpoints is null");
        return new Ingest(storage, request, progress, checkpoints).run();
    }

    private Report run() {
        Instant started = Instant.now();
        // The source's layout checked and the whole opt-out file read before anything else happens
        // (the key store is opened, or created, only then).
        source = IngestSource.open(request, () -> KeyStoreFile.openOrCreate(request.keyStore()).providerKey(), progress);
        List<OptoutRequests.Request> optoutRequests = source.optoutRequests();
        java.nio.file.Path vcf = source.vcf();

        HdfsFiles.mkdirs(storage, layout.root(), jp.nmi.enclave.api.EnclaveLayout.ROOT_MODE);
        HdfsFiles.mkdirs(storage, layout.datasets(), 0700);
        HdfsFiles.mkdirs(storage, layout.staging(), 0700);
        String publication = newPublicationId();
        try (IngestLock lock = IngestLock.acquire(storage, publication)) {
            DatasetRegistryStore registryStore = new DatasetRegistryStore(storage);
            collectGarbage(registryStore.read().orElse(null), publication);

            OptoutStore optoutStore = new OptoutStore(storage);
            OptoutRegistry before = optoutStore.read();
            String now = Instant.now().toString();
            List<OptoutRegistry.Entry> added = new ArrayList<>();
            for (OptoutRequests.Request r : optoutRequests) {
                added.add(new OptoutRegistry.Entry(source.participantIds.pseudonym(r.patientId()), r.receivedOn().toString(), now));
            }
            OptoutRegistry optouts = before.with(added);
            int newOptouts = optouts.entries().size() - before.entries().size();

            Path staging = new Path(layout.staging(), publication);
            boolean committed = false;
            List<Path> moved = new ArrayList<>();
            try {
                Map<String, StagedTable> staged = stage(staging, optouts.pseudonyms(), vcf);
                checkpoint("staged");
                if (newOptouts > 0) {
                    // Recorded before the datasets are published: if we stop in between, the
                    // opt-outs are kept and applied by the next ingest; never the other way round.
                    optoutStore.publish(optouts);
                }
                checkpoint("optouts-recorded");
                List<DatasetRegistry.Entry> entries = new ArrayList<>();
                for (TableSchema schema : DatasetSchemas.ALL) {
                    StagedTable t = staged.get(schema.name());
                    Path target = new Path(layout.dataset(schema.name()), publication);
                    HdfsFiles.mkdirs(storage, layout.dataset(schema.name()), 0750);
                    if (!storage.fs().rename(new Path(staging, schema.name()), target)) {
                        throw new EnclaveStorageException("cannot move " + schema.name() + " from staging to " + target);
                    }
                    moved.add(target);
                    checkpoint("moved:" + schema.name());
                    entries.add(new DatasetRegistry.Entry(schema.name(), publication,
                            Path.getPathWithoutSchemeAndAuthority(target).toString(), schema.columns(), t.rows(),
                            DatasetWriter.contentHash(t.files()), now, t.files()));
                }
                checkpoint("before-commit");
                DatasetRegistry registry = new DatasetRegistry(DatasetRegistry.FORMAT, publication, Instant.now().toString(), entries);
                registryStore.publish(registry); // the commit point
                committed = true;
                checkpoint("committed");
                collectGarbage(registry, publication);
                return new Report(publication, entries, source.optedOutLeftOut(), source.withoutConsentLeftOut(), newOptouts,
                        lock.recoveredFrom(), Duration.between(started, Instant.now()));
            } catch (IOException e) {
                throw new EnclaveStorageException("ingest failed, nothing was published: " + e.getMessage(), e);
            } finally {
                if (!committed) {
                    discard(staging, moved);
                }
            }
        }
    }

    private record StagedTable(long rows, List<DatasetRegistry.DataFile> files) {}

    private Map<String, StagedTable> stage(Path staging, Set<String> optedOut, java.nio.file.Path vcf) throws IOException {
        HdfsFiles.mkdirs(storage, staging, 0700);
        Map<String, StagedTable> staged = new LinkedHashMap<>();
        source.readParticipants(optedOut);
        staged.put("participants", writeParticipants(staging));
        checkpoint("table-written:participants");
        staged.put("diagnoses", stageCsv(staging, SourceTable.DIAGNOSES, DatasetSchemas.DIAGNOSES, source::diagnosis));
        checkpoint("table-written:diagnoses");
        staged.put("samples", stageCsv(staging, SourceTable.SAMPLES, DatasetSchemas.SAMPLES, source.samples()));
        checkpoint("table-written:samples");
        staged.put("lab_results", stageCsv(staging, SourceTable.LAB_RESULTS, DatasetSchemas.LAB_RESULTS, source::labResult));
        checkpoint("table-written:lab_results");
        staged.put("clinical_notes", stageCsv(staging, SourceTable.CLINICAL_NOTES, DatasetSchemas.CLINICAL_NOTES, source::clinicalNote));
        checkpoint("table-written:clinical_notes");
        staged.putAll(stageVcf(staging, vcf));
        checkpoint("table-written:genotypes");
        return staged;
    }

    private StagedTable writeParticipants(Path staging) throws IOException {
        List<SourceParticipant> included = source.participants().stream()
                .filter(SourceParticipant::isIncluded)
                .sorted(Comparator.comparing(p -> p.pseudonym))
                .toList();
        try (DatasetWriter w = new DatasetWriter(storage.configuration(), new Path(staging, "participants"),
                DatasetSchemas.PARTICIPANTS, request.rowsPerFile())) {
            for (SourceParticipant p : included) {
                int age = Period.between(p.birthDate, p.enrolledOn).getYears();
                w.write(new Object[] {p.pseudonym, p.sex, p.birthDate.getYear(), ageBand(age), p.region,
                        p.commercialUseProhibited, p.duoCodes, p.enrolledOn});
            }
            return new StagedTable(w.rows(), w.finish());
        }
    }

    /** {@code 20-29} ... {@code 90-99}; {@code 100+} above. */
    public static String ageBand(int age) {
        if (age >= 100) {
            return "100+";
        }
        int low = Math.max(0, age / 10 * 10);
        return low + "-" + (low + 9);
    }

    private StagedTable stageCsv(Path staging, SourceTable table, TableSchema schema, IngestSource.RowMapper mapper) throws IOException {
        try (SortedStage stage = new SortedStage(storage.configuration(), new Path(staging, schema.name()), schema,
                request.rowsPerFile(), SortedStage.BY_ALL_COLUMNS)) {
            source.eachRow(table, mapper, row -> {
                try {
                    stage.add(row);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<DatasetRegistry.DataFile> files = stage.finish();
            return new StagedTable(files.stream().mapToLong(DatasetRegistry.DataFile::rows).sum(), files);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private Map<String, StagedTable> stageVcf(Path staging, java.nio.file.Path vcf) throws IOException {
        // Per sample column: the included participant's pseudonym (pre-encoded for Parquet), and the
        // order in which to visit the columns so that each site's carriers come out sorted by
        // pseudonym without sorting per line. Excluded participants are simply not visited.
        Binary[][] pseudonyms = new Binary[1][];
        int[][] order = new int[1][];
        try (DatasetWriter variants = new DatasetWriter(storage.configuration(), new Path(staging, "variants"),
                DatasetSchemas.VARIANTS, request.rowsPerFile());
                DatasetWriter genotypes = new DatasetWriter(storage.configuration(), new Path(staging, "genotypes"),
                        DatasetSchemas.GENOTYPES, request.rowsPerFile())) {
            Integer[] counts = {0, 1, 2};
            new VcfSource(vcf).read((samples, headerLine) -> {
                List<SourceParticipant> columns = source.vcfSamples(samples, headerLine);
                pseudonyms[0] = new Binary[samples.size()];
                List<Integer> included = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++) {
                    SourceParticipant p = columns.get(i);
                    if (p.isIncluded()) {
                        pseudonyms[0][i] = Binary.fromConstantByteArray(p.pseudonym.getBytes(StandardCharsets.UTF_8));
                        included.add(i);
                    }
                }
                included.sort(Comparator.comparing(i -> columns.get(i).pseudonym));
                order[0] = included.stream().mapToInt(Integer::intValue).toArray();
            }, (variantId, chrom, pos, ref, alt, altCounts, line) -> {
                variants.write(new Object[] {variantId, chrom, pos, ref, alt});
                Binary id = Binary.fromConstantByteArray(variantId.getBytes(StandardCharsets.UTF_8));
                for (int i : order[0]) {
                    if (altCounts[i] > 0) {
                        genotypes.write(new Object[] {pseudonyms[0][i], id, counts[altCounts[i]]});
                    }
                }
            }, progress);
            List<DatasetRegistry.DataFile> variantFiles = variants.finish();
            List<DatasetRegistry.DataFile> genotypeFiles = genotypes.finish();
            Map<String, StagedTable> out = new LinkedHashMap<>();
            out.put("variants", new StagedTable(variants.rows(), variantFiles));
            out.put("genotypes", new StagedTable(genotypes.rows(), genotypeFiles));
            return out;
        }
    }

    /**
     * Removes what no registry references: snapshots of earlier publications (so opted-out people
     * physically leave with the next ingest) and staging left by interrupted runs.
     */
    private void collectGarbage(DatasetRegistry current, String keep) {
        try {
            Set<String> referenced = new HashSet<>();
            if (current != null) {
                current.datasets().forEach(d -> referenced.add(d.location()));
            }
            if (storage.fs().exists(layout.datasets())) {
                for (FileStatus dataset : storage.fs().listStatus(layout.datasets())) {
                    if (!dataset.isDirectory()) {
                        continue;
                    }
                    for (FileStatus snapshot : storage.fs().listStatus(dataset.getPath())) {
                        String location = Path.getPathWithoutSchemeAndAuthority(snapshot.getPath()).toString();
                        if (snapshot.isDirectory() && !referenced.contains(location)
                                && !snapshot.getPath().getName().equals(keep)) {
                            storage.fs().delete(snapshot.getPath(), true);
                        }
                    }
                }
            }
            if (storage.fs().exists(layout.staging())) {
                for (FileStatus s : storage.fs().listStatus(layout.staging())) {
                    if (s.isDirectory() && !s.getPath().getName().equals(keep)) {
                        storage.fs().delete(s.getPath(), true);
                    }
                }
                storage.fs().delete(new Path(layout.staging(), keep), true);
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot clean up earlier ingests: " + e.getMessage(), e);
        }
    }

    private void discard(Path staging, List<Path> moved) {
        try {
            storage.fs().delete(staging, true);
            for (Path p : moved) {
                storage.fs().delete(p, true);
            }
        } catch (IOException e) {
            // Unreferenced leftovers are invisible to readers and the next ingest removes them.
        }
    }

    private static String newPublicationId() {
        String time = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).format(Instant.now().atOffset(ZoneOffset.UTC));
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        return time + "-" + HexFormat.of().formatHex(random);
    }

    private void checkpoint(String name) {
        checkpoints.reached(name);
    }
}
