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
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.dataset.DatasetSchemas;
import jp.nmi.enclave.dataset.DatasetWriter;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveLayout;
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
 * Turns a provider's source files into the enclave's pseudonymized Parquet datasets.
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
    /** Test-only fault injection: {@code -Denclave.test.haltAt=<checkpoint>} halts the JVM there, as a crash would. */
    static final String HALT_PROPERTY = "enclave.test.haltAt";
    static final String VCF = "genotypes.vcf";
    static final String VCF_GZ = "genotypes.vcf.gz";
    private static final List<String> SEXES = List.of("F", "M");
    private static final List<String> REGIONS = jp.nmi.enclave.dataset.Region.labels();

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
    private Pseudonymizer participantIds;
    private Pseudonymizer sampleIds;
    private final Map<String, SourceParticipant> participants = new HashMap<>();
    private int optedOutLeftOut;
    private int withoutConsentLeftOut;

    private Ingest(EnclaveStorage storage, Request request, Progress progress) {
        this.storage = storage;
        this.request = request;
        this.progress = progress;
        this.layout = storage.layout();
    }

    /**
     * Ingests {@code request.source()} and publishes the result.
     *
     * @throws ValidationException for bad input (nothing published, previous publication intact)
     * @throws EnclaveStorageException if HDFS or the key store fails (likewise)
     */
    public static Report run(EnclaveStorage storage, Request request, Progress progress) {
        requireNonNull(storage, "storage is null");
        requireNonNull(request, "request is null");
        requireNonNull(progress, "progress is null");
        return new Ingest(storage, request, progress).run();
    }

    private Report run() {
        Instant started = Instant.now();
        java.nio.file.Path source = request.source();
        if (!Files.isDirectory(source)) {
            throw new ValidationException("--source " + source + " is not a directory");
        }
        for (SourceTable t : SourceTable.values()) {
            if (!Files.isRegularFile(source.resolve(t.fileName()))) {
                throw new ValidationException("--source " + source + " has no " + t.fileName()
                        + " (expected: " + String.join(", ", fileNames()) + ")");
            }
        }
        java.nio.file.Path vcf = Files.isRegularFile(source.resolve(VCF)) ? source.resolve(VCF) : source.resolve(VCF_GZ);
        if (!Files.isRegularFile(vcf)) {
            throw new ValidationException("--source " + source + " has no " + VCF + " (or " + VCF_GZ + ")");
        }
        // Read and check the whole opt-out file before anything else happens.
        List<OptoutRequests.Request> optoutRequests =
                request.optoutFile() == null ? List.of() : OptoutRequests.read(request.optoutFile());

        KeyStoreFile keys = KeyStoreFile.openOrCreate(request.keyStore());
        participantIds = new Pseudonymizer(keys.providerKey(), Pseudonymizer.PARTICIPANT);
        sampleIds = new Pseudonymizer(keys.providerKey(), Pseudonymizer.SAMPLE);

        HdfsFiles.mkdirs(storage, layout.root(), 0755);
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
                added.add(new OptoutRegistry.Entry(participantIds.pseudonym(r.patientId()), r.receivedOn().toString(), now));
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
                return new Report(publication, entries, optedOutLeftOut, withoutConsentLeftOut, newOptouts,
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
        readParticipants(optedOut);
        staged.put("participants", writeParticipants(staging));
        checkpoint("table-written:participants");
        staged.put("diagnoses", stageCsv(staging, SourceTable.DIAGNOSES, DatasetSchemas.DIAGNOSES, (f, p) -> {
            String code = f.text("icd10");
            if (!Icd10.isValid(code)) {
                throw f.fail("icd10", code, "is not a valid ICD-10 code (a letter, two digits, optionally a dot and one or"
                        + " two characters, e.g. C50.9)");
            }
            return new Object[] {p.pseudonym, code, f.date("diagnosed_on")};
        }));
        checkpoint("table-written:diagnoses");
        Set<String> sampleSeen = new HashSet<>();
        staged.put("samples", stageCsv(staging, SourceTable.SAMPLES, DatasetSchemas.SAMPLES, (f, p) -> {
            String sampleId = f.text("sample_id");
            if (!sampleSeen.add(sampleId)) {
                throw f.fail("sample_id '" + sampleId + "' appears twice");
            }
            LocalDate collected = f.date("collected_on");
            if (collected.isBefore(p.birthDate)) {
                throw f.fail("collected_on", collected.toString(), "is before the participant's birth date");
            }
            return new Object[] {sampleIds.pseudonym(sampleId), p.pseudonym, f.text("biobank"),
                    f.matching("sample_type", "[a-z][a-z0-9_]*", "lower-case letters, digits and _, e.g. serum"),
                    Period.between(p.birthDate, collected).getYears(),
                    f.matching("storage_temperature", "(-?[0-9]{1,3}C|RT)", "degrees Celsius such as -80C, or RT"),
                    collected};
        }));
        checkpoint("table-written:samples");
        staged.put("lab_results", stageCsv(staging, SourceTable.LAB_RESULTS, DatasetSchemas.LAB_RESULTS, (f, p) ->
                new Object[] {p.pseudonym,
                        f.matching("test_code", "[A-Z0-9][A-Z0-9_.-]{0,31}", "upper-case letters, digits, '_', '.', '-'"),
                        f.number("value"), f.text("unit"), f.date("measured_on")}));
        checkpoint("table-written:lab_results");
        staged.put("clinical_notes", stageCsv(staging, SourceTable.CLINICAL_NOTES, DatasetSchemas.CLINICAL_NOTES, (f, p) ->
                new Object[] {p.pseudonym, IdentifierScrubber.scrub(f.freeText("note"), p.identifiers), f.date("written_on")}));
        checkpoint("table-written:clinical_notes");
        staged.putAll(stageVcf(staging, vcf));
        checkpoint("table-written:genotypes");
        return staged;
    }

    private void readParticipants(Set<String> optedOut) throws IOException {
        String file = SourceTable.PARTICIPANTS.fileName();
        Map<String, Integer> lineOf = new HashMap<>();
        try (Reader reader = Files.newBufferedReader(request.source().resolve(file), StandardCharsets.UTF_8);
                CsvReader csv = new CsvReader(reader, file);
                Progress.Task task = progress.start(file, -1)) {
            int[] positions = SourceTable.PARTICIPANTS.positions(csv.readHeader());
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                Fields f = new Fields(file, SourceTable.PARTICIPANTS.columns(), positions, row);
                String id = f.text("patient_id");
                Integer earlier = lineOf.putIfAbsent(id, row.line());
                if (earlier != null) {
                    throw f.fail("patient_id repeats the patient of line " + earlier);
                }
                LocalDate birth = f.date("birth_date");
                LocalDate enrolled = f.date("enrolled_on");
                if (birth.isAfter(enrolled)) {
                    throw f.fail("birth_date is after enrolled_on");
                }
                String pseudonym = participantIds.pseudonym(id);
                List<String> identifiers = IdentifierScrubber.identifiersOf(id, f.text("hospital_patient_id"), f.text("name"),
                        f.text("name_kana"), birth, f.text("address"), f.text("phone"), f.text("insurance_number"));
                participants.put(id, new SourceParticipant(pseudonym, f.oneOf("sex", SEXES), birth, f.oneOf("region", REGIONS),
                        enrolled, identifiers, optedOut.contains(pseudonym)));
                task.advance(1);
            }
        }
        file = SourceTable.CONSENTS.fileName();
        Set<String> consented = new HashSet<>();
        try (Reader reader = Files.newBufferedReader(request.source().resolve(file), StandardCharsets.UTF_8);
                CsvReader csv = new CsvReader(reader, file)) {
            int[] positions = SourceTable.CONSENTS.positions(csv.readHeader());
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                Fields f = new Fields(file, SourceTable.CONSENTS.columns(), positions, row);
                SourceParticipant p = participant(f);
                if (!consented.add(f.text("patient_id"))) {
                    throw f.fail("a second consent record for the same patient (one per patient expected)");
                }
                List<String> codes;
                try {
                    codes = new ArrayList<>(DuoCodes.parse(f.raw("duo_codes")));
                } catch (IllegalArgumentException e) {
                    throw f.fail("duo_codes", f.raw("duo_codes"), e.getMessage());
                }
                boolean flag = f.bool("commercial_use_prohibited");
                f.date("consented_on");
                // The stricter of the flag and the DUO modifiers wins, and both then agree.
                boolean prohibited = flag || codes.stream().anyMatch(DuoCodes.NON_COMMERCIAL::contains);
                if (prohibited && codes.stream().noneMatch(DuoCodes.NON_COMMERCIAL::contains)) {
                    codes.add("NPU");
                }
                p.duoCodes = List.copyOf(codes);
                p.commercialUseProhibited = prohibited;
                p.consented = true;
            }
        }
        for (SourceParticipant p : participants.values()) {
            if (p.optedOut) {
                optedOutLeftOut++;
            } else if (!p.consented) {
                withoutConsentLeftOut++;
            }
        }
    }

    private SourceParticipant participant(Fields f) {
        SourceParticipant p = participants.get(f.text("patient_id"));
        if (p == null) {
            throw f.fail("patient_id has no row in " + SourceTable.PARTICIPANTS.fileName());
        }
        return p;
    }

    private StagedTable writeParticipants(Path staging) throws IOException {
        List<SourceParticipant> included = participants.values().stream()
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

    @FunctionalInterface
    private interface RowMapper {
        Object[] map(Fields fields, SourceParticipant participant);
    }

    private StagedTable stageCsv(Path staging, SourceTable table, TableSchema schema, RowMapper mapper) throws IOException {
        String file = table.fileName();
        try (Reader reader = Files.newBufferedReader(request.source().resolve(file), StandardCharsets.UTF_8);
                CsvReader csv = new CsvReader(reader, file);
                SortedStage stage = new SortedStage(storage.configuration(), new Path(staging, schema.name()), schema,
                        request.rowsPerFile(), SortedStage.BY_ALL_COLUMNS);
                Progress.Task task = progress.start(file, -1)) {
            int[] positions = table.positions(csv.readHeader());
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                Fields f = new Fields(file, table.columns(), positions, row);
                SourceParticipant p = participant(f);
                // Map (and so validate) every row, also those of people left out: bad input is bad input.
                Object[] out = mapper.map(f, p);
                if (p.isIncluded()) {
                    stage.add(out);
                }
                task.advance(1);
            }
            List<DatasetRegistry.DataFile> files = stage.finish();
            return new StagedTable(files.stream().mapToLong(DatasetRegistry.DataFile::rows).sum(), files);
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
                pseudonyms[0] = new Binary[samples.size()];
                Set<String> seen = new HashSet<>();
                List<Integer> included = new ArrayList<>();
                for (int i = 0; i < samples.size(); i++) {
                    String sample = samples.get(i);
                    if (!seen.add(sample)) {
                        throw new ValidationException(vcf.getFileName() + " line " + headerLine + ": sample column " + (i + 10)
                                + " repeats an earlier sample");
                    }
                    SourceParticipant p = participants.get(sample);
                    if (p == null) {
                        throw new ValidationException(vcf.getFileName() + " line " + headerLine + ": sample column " + (i + 10)
                                + " has no row in " + SourceTable.PARTICIPANTS.fileName());
                    }
                    if (p.isIncluded()) {
                        pseudonyms[0][i] = Binary.fromConstantByteArray(p.pseudonym.getBytes(StandardCharsets.UTF_8));
                        included.add(i);
                    }
                }
                included.sort(Comparator.comparing(i -> participants.get(samples.get(i)).pseudonym));
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

    private static List<String> fileNames() {
        List<String> names = new ArrayList<>();
        for (SourceTable t : SourceTable.values()) {
            names.add(t.fileName());
        }
        names.add(VCF);
        return names;
    }

    private static void checkpoint(String name) {
        if (name.equals(System.getProperty(HALT_PROPERTY))) {
            System.err.println("enclave.test.haltAt: halting at " + name);
            System.err.flush();
            Runtime.getRuntime().halt(86);
        }
    }
}
