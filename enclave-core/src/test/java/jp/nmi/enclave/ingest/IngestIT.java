package jp.nmi.enclave.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.crypto.Mac;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.dataset.DatasetSchemas;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EmbeddedHdfs;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.CsvReader;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.testing.EnclaveProcess;
import jp.nmi.enclave.testing.ParquetScan;
import org.apache.hadoop.fs.FileStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ingest against a real HDFS (one MiniDFSCluster for the class). Each test publishes under its own
 * enclave root on that cluster, so tests do not see each other's datasets.
 */
class IngestIT {
    private static final int PARTICIPANTS = 400;
    private static final int VARIANTS = 120;

    @TempDir
    static Path tmp;

    private static EmbeddedHdfs hdfs;
    private static Path source;
    private static Path keys;
    private static final AtomicInteger ROOTS = new AtomicInteger();

    @BeforeAll
    static void startHdfs() throws IOException {
        hdfs = EmbeddedHdfs.start(tmp.resolve("enclave"));
        source = tmp.resolve("source");
        DemoWorld.write(new DemoWorld.Parameters(PARTICIPANTS, VARIANTS, 7), source, Progress.NONE);
        keys = tmp.resolve("keys/enclave-keys.p12");
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    /** A fresh enclave root on the shared cluster. */
    private static EnclaveStorage freshRoot() {
        return EnclaveStorage.connect(URI.create(hdfs.uri() + "/enclave-" + ROOTS.incrementAndGet()));
    }

    private static Ingest.Report ingest(EnclaveStorage storage, Path src, Path keyStore, Path optout) {
        return Ingest.run(storage, new Ingest.Request(src, keyStore, optout, 1_000), Progress.NONE);
    }

    @Test
    void theCommandLinePublishesAndAuditsEveryIngestFailedOrNot() throws Exception {
        String target = hdfs.uri() + "/enclave-" + ROOTS.incrementAndGet();
        Path audit = tmp.resolve("audit-cli-" + ROOTS.get() + ".jsonl");
        String[] common = {"--target", target, "--keystore", keys.toString(), "--audit-log", audit.toString(), "--operator", "ops",
            "--audit-unanchored"};
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = jp.nmi.enclave.cli.EnclaveCli.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        // a fresh enclave knows nobody: nothing is published in anyone's name before its first operator exists
        List<String> ok = new ArrayList<>(List.of("ingest", "--source", source.toString()));
        ok.addAll(List.of(common));
        assertThat(cl.execute(ok.toArray(String[]::new))).isEqualTo(jp.nmi.enclave.cli.EnclaveCli.EXIT_ERROR);
        assertThat(err.toString()).contains("the enclave's directory has no users: nobody can act as an operator until the first one is"
                + " added (./enclave users add NAME --role operator --as NAME)");
        List<String> first = new ArrayList<>(List.of("users", "add", "ops", "--role", "operator"));
        first.addAll(List.of(common));
        assertThat(cl.execute(first.toArray(String[]::new))).as(err.toString()).isZero();
        assertThat(cl.execute(ok.toArray(String[]::new))).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Published ").contains("participants").contains("Left out: ");
        List<String> events = Files.readAllLines(audit).stream().filter(e -> e.contains("\"action\":\"ingest.publish\"")).toList();
        assertThat(events).singleElement().asString().contains("\"actor\":\"ops\"")
                .contains("\"outcome\":\"ok\"").contains("\"participants\":" + PARTICIPANTS);

        // a failed ingest publishes nothing and is recorded too
        Path empty = Files.createDirectories(tmp.resolve("empty-source-" + ROOTS.get()));
        List<String> bad = new ArrayList<>(List.of("ingest", "--source", empty.toString()));
        bad.addAll(List.of(common));
        assertThat(cl.execute(bad.toArray(String[]::new))).isEqualTo(jp.nmi.enclave.cli.EnclaveCli.EXIT_ERROR);
        events = Files.readAllLines(audit).stream().filter(e -> e.contains("\"action\":\"ingest.publish\"")).toList();
        assertThat(events).hasSize(2);
        assertThat(events.get(1)).contains("\"action\":\"ingest.publish\"").contains("\"outcome\":\"error\"")
                .contains(empty.getFileName().toString());
        assertThat(err.toString()).contains(empty.getFileName().toString());
        assertThat(new jp.nmi.enclave.audit.FileAuditLog(audit).verify().intact()).isTrue();
    }

    @Test
    void publishesEveryDatasetWithAVerifiableRegistry() throws Exception {
        try (EnclaveStorage storage = freshRoot()) {
            Ingest.Report report = ingest(storage, source, keys, null);

            DatasetRegistry registry = new DatasetRegistryStore(storage).require();
            assertThat(registry.publication()).isEqualTo(report.publication());
            assertThat(registry.datasets()).extracting(DatasetRegistry.Entry::name)
                    .containsExactly("participants", "diagnoses", "samples", "lab_results", "clinical_notes", "variants", "genotypes");
            for (DatasetRegistry.Entry entry : registry.datasets()) {
                assertThat(entry.location()).isEqualTo("/enclave-" + ROOTS.get() + "/datasets/" + entry.name() + "/" + report.publication());
                assertThat(entry.columns()).isEqualTo(DatasetSchemas.byName(entry.name()).orElseThrow().columns());
                List<Map<String, Object>> rows = ParquetScan.rows(storage, entry);
                assertThat(rows).hasSize((int) entry.rowCount());
                if (!rows.isEmpty()) {
                    assertThat(rows.get(0).keySet()).containsExactlyElementsOf(entry.schema().columnNames());
                }
                // every file's recorded SHA-256 matches its bytes on HDFS
                for (DatasetRegistry.DataFile file : entry.files()) {
                    assertThat(sha256(storage, entry.location() + "/" + file.name())).isEqualTo(file.sha256());
                }
            }
            // lab_results has ~2,600 rows: with 1,000 rows per file it spans several files
            assertThat(registry.dataset("lab_results").orElseThrow().files()).hasSizeGreaterThan(1);
            assertThat(registry.dataset("participants").orElseThrow().rowCount()).isEqualTo(PARTICIPANTS);
            assertThat(registry.dataset("variants").orElseThrow().rowCount()).isEqualTo(VARIANTS);
        }
    }

    @Test
    void noDirectIdentifierOfTheSourceOccursInAnyStringColumn() throws Exception {
        List<String> identifiers = sourceColumnValues(source.resolve("participants.csv"),
                List.of("patient_id", "hospital_patient_id", "name", "name_kana", "birth_date", "address", "phone", "insurance_number"));
        assertThat(identifiers).hasSize(PARTICIPANTS * 8);
        // The source's free text does carry identifiers, so the scan below has something to catch.
        String notes = Files.readString(source.resolve("clinical_notes.csv"));
        assertThat(identifiers.stream().filter(notes::contains).count()).isGreaterThan(50);

        try (EnclaveStorage storage = freshRoot()) {
            ingest(storage, source, keys, null);
            DatasetRegistry registry = new DatasetRegistryStore(storage).require();
            long scanned = 0;
            for (DatasetRegistry.Entry entry : registry.datasets()) {
                List<String> cells = ParquetScan.strings(storage, entry);
                scanned += cells.size();
                for (String cell : cells) {
                    for (String id : identifiers) {
                        if (cell.contains(id)) {
                            throw new AssertionError(entry.name() + " holds a direct identifier of the source: '" + cell + "'");
                        }
                    }
                }
            }
            assertThat(scanned).isGreaterThan(10_000);
            List<String> storedNotes = ParquetScan.strings(storage, registry.dataset("clinical_notes").orElseThrow());
            assertThat(storedNotes).anyMatch(n -> n.contains(IdentifierScrubber.REDACTED));
        }
    }

    @Test
    void theSameKeyGivesTheSamePseudonymsAndAnotherKeyDisjointOnes() throws Exception {
        Path otherKeys = tmp.resolve("other-keys/enclave-keys.p12");
        Set<String> first;
        Set<String> again;
        Set<String> other;
        try (EnclaveStorage a = freshRoot(); EnclaveStorage b = freshRoot(); EnclaveStorage c = freshRoot()) {
            ingest(a, source, keys, null);
            ingest(b, source, keys, null);
            ingest(c, source, otherKeys, null);
            first = participantIds(a);
            again = participantIds(b);
            other = participantIds(c);
            // Same input and key: the same bytes, so the content hashes agree too.
            assertThat(new DatasetRegistryStore(b).require().datasets()).extracting(DatasetRegistry.Entry::contentHash)
                    .isEqualTo(new DatasetRegistryStore(a).require().datasets().stream().map(DatasetRegistry.Entry::contentHash).toList());
        }
        assertThat(first).hasSize(PARTICIPANTS).isEqualTo(again);
        assertThat(other).hasSize(PARTICIPANTS).doesNotContainAnyElementsOf(first);

        // And the pseudonym is HMAC-SHA256(provider key, "participant:" + source id), 64 hex characters.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(KeyStoreFile.openOrCreate(keys).providerKey());
        String expected = HexFormat.of().formatHex(mac.doFinal("participant:PT00000001".getBytes(StandardCharsets.UTF_8)));
        assertThat(first).contains(expected);
        assertThat(first).allMatch(p -> p.matches("[0-9a-f]{64}"));
    }

    @Test
    void optedOutPatientsAreAbsentFromEveryDatasetAndStayAbsent() throws Exception {
        List<String> optedOut = sourceColumnValues(source.resolve("optout.csv"), List.of("patient_id"));
        assertThat(optedOut).isNotEmpty();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(KeyStoreFile.openOrCreate(keys).providerKey());
        Set<String> pseudonyms = optedOut.stream()
                .map(id -> HexFormat.of().formatHex(mac.doFinal(("participant:" + id).getBytes(StandardCharsets.UTF_8))))
                .collect(Collectors.toSet());
        // they do have records in every person-level source file
        assertThat(Files.readString(source.resolve("genotypes.vcf"))).contains(optedOut.get(0));

        try (EnclaveStorage storage = freshRoot()) {
            Ingest.Report report = ingest(storage, source, keys, source.resolve("optout.csv"));
            assertThat(report.newOptouts()).isEqualTo(optedOut.size());
            assertThat(report.optedOutLeftOut()).isEqualTo(optedOut.size());
            assertNoneOf(storage, pseudonyms);
            assertThat(new DatasetRegistryStore(storage).require().dataset("participants").orElseThrow().rowCount())
                    .isEqualTo(PARTICIPANTS - optedOut.size());
            // The registry of opt-outs holds pseudonyms, not source IDs.
            assertThat(new OptoutStore(storage).read().pseudonyms()).isEqualTo(pseudonyms);

            // A later ingest without --optout still leaves them out: opt-outs are never forgotten.
            Ingest.Report later = ingest(storage, source, keys, null);
            assertThat(later.newOptouts()).isZero();
            assertThat(later.optedOutLeftOut()).isEqualTo(optedOut.size());
            assertNoneOf(storage, pseudonyms);
            // and the earlier snapshot (which did not hold them either) is gone from HDFS
            assertThat(snapshots(storage, "participants")).containsExactly(later.publication());
        }
    }

    @Test
    void aFailedIngestLeavesThePreviousPublicationIntact() throws Exception {
        try (EnclaveStorage storage = freshRoot()) {
            ingest(storage, source, keys, null);
            DatasetRegistry before = new DatasetRegistryStore(storage).require();

            Path broken = copySource("broken-icd10");
            List<String> lines = new ArrayList<>(Files.readAllLines(broken.resolve("diagnoses.csv")));
            String[] fields = lines.get(4).split(",");
            lines.set(4, fields[0] + ",C5O.9," + fields[2]);
            Files.write(broken.resolve("diagnoses.csv"), lines);

            assertThatThrownBy(() -> ingest(storage, broken, keys, null))
                    .isInstanceOf(ValidationException.class)
                    .hasMessage("diagnoses.csv line 5: icd10 'C5O.9' is not a valid ICD-10 code (a letter, two digits,"
                            + " optionally a dot and one or two characters, e.g. C50.9)");

            assertThat(new DatasetRegistryStore(storage).require()).isEqualTo(before);
            assertThat(stagingDirectories(storage)).isEmpty();
            for (DatasetRegistry.Entry e : before.datasets()) {
                assertThat(ParquetScan.rows(storage, e)).hasSize((int) e.rowCount());
            }
        }
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("unknown column", "participants.csv", (Edit) l -> {
                    l.set(0, l.get(0) + ",email");
                    for (int i = 1; i < l.size(); i++) {
                        l.set(i, l.get(i) + ",x@example.jp");
                    }
                }, "participants.csv line 1: unknown column 'email' (expected exactly: patient_id, hospital_patient_id, name,"
                        + " name_kana, birth_date, sex, address, phone, insurance_number, region, enrolled_on)"),
                Arguments.of("missing column", "lab_results.csv", (Edit) l -> {
                    for (int i = 0; i < l.size(); i++) {
                        l.set(i, l.get(i).substring(0, l.get(i).lastIndexOf(',')));
                    }
                }, "lab_results.csv line 1: missing column measured_on"),
                Arguments.of("short row", "samples.csv", (Edit) l -> l.set(3, "S123,PT00000001,Chuo Biobank"),
                        "samples.csv line 4: expected 6 fields (sample_id,patient_id,biobank,sample_type,storage_temperature,"
                                + "collected_on) but found 3"),
                Arguments.of("bad enum", "participants.csv", (Edit) l -> l.set(2, l.get(2).replace(",F,", ",X,").replace(",M,", ",X,")),
                        "participants.csv line 3: sex 'X' is not one of F, M"),
                Arguments.of("bad number", "lab_results.csv", (Edit) l -> l.set(1, l.get(1).replaceFirst(",[0-9.]+,", ",abc,")),
                        "lab_results.csv line 2: value 'abc' is not a number"),
                Arguments.of("bad date", "diagnoses.csv", (Edit) l -> l.set(1, l.get(1).replaceAll("-(\\d\\d)-(\\d\\d)$", "/$1/$2")),
                        "diagnoses.csv line 2: diagnosed_on"),
                Arguments.of("unknown DUO code", "consents.csv", (Edit) l -> l.set(1, l.get(1).replaceFirst(",[^,]*,", ",HMB;XYZ,")),
                        "consents.csv line 2: duo_codes 'HMB;XYZ' contains unknown DUO code 'XYZ'"),
                Arguments.of("unknown patient", "diagnoses.csv", (Edit) l -> l.add("PT99999999,I10,2020-01-01"),
                        "diagnoses.csv line " + "LAST" + ": patient_id has no row in participants.csv"),
                Arguments.of("unterminated quote", "clinical_notes.csv", (Edit) l -> l.add("PT00000001,\"never closed,2020-01-01"),
                        "clinical_notes.csv line LAST: a quoted field is never closed"),
                Arguments.of("VCF without header", "genotypes.vcf", (Edit) l -> l.removeIf(s -> s.startsWith("##")),
                        "genotypes.vcf line 1: missing VCF header (the first line must be ##fileformat=VCFv4.x)"),
                Arguments.of("symbolic allele", "genotypes.vcf", (Edit) l -> {
                    int first = firstDataLine(l);
                    String[] f = l.get(first).split("\t", 6);
                    l.set(first, String.join("\t", f[0], f[1], f[2], f[3], f[4] + ",<NON_REF>", f[5]));
                }, "symbolic allele <NON_REF> is not supported"),
                Arguments.of("bad genotype", "genotypes.vcf", (Edit) l -> {
                    int first = firstDataLine(l);
                    l.set(first, l.get(first).replaceFirst("\tGT\t[^\t]+", "\tGT\t0/2"));
                }, "genotype '0/2' of sample 1 names allele 2 but the site has 1 alternate allele(s)"));
    }

    @FunctionalInterface
    interface Edit {
        void apply(List<String> lines);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputStopsWithFileLineAndReasonAndPublishesNothing(String name, String file, Edit edit, String message) throws Exception {
        Path broken = copySource(name.replace(' ', '-'));
        List<String> lines = new ArrayList<>(Files.readAllLines(broken.resolve(file)));
        edit.apply(lines);
        Files.write(broken.resolve(file), lines);
        String expected = message.replace("LAST", String.valueOf(lines.size()));
        try (EnclaveStorage storage = freshRoot()) {
            assertThatThrownBy(() -> ingest(storage, broken, keys, null))
                    .isInstanceOf(ValidationException.class)
                    .hasMessageContaining(expected);
            assertThat(new DatasetRegistryStore(storage).read()).isEmpty();
            assertThat(stagingDirectories(storage)).isEmpty();
            assertThat(storage.fs().exists(storage.layout().dataset("participants"))).isFalse();
        }
    }

    @Test
    void aMissingSourceFileIsNamed() throws Exception {
        Path incomplete = copySource("incomplete");
        Files.delete(incomplete.resolve("samples.csv"));
        try (EnclaveStorage storage = freshRoot()) {
            assertThatThrownBy(() -> ingest(storage, incomplete, keys, null))
                    .isInstanceOf(ValidationException.class)
                    .hasMessage("--source " + incomplete + " has no samples.csv (expected: participants.csv, consents.csv,"
                            + " diagnoses.csv, samples.csv, lab_results.csv, clinical_notes.csv, genotypes.vcf)");
        }
    }

    /** A crash (the JVM halted) at each step of ingest leaves the previous publication as it was. */
    @ParameterizedTest
    @ValueSource(strings = {"table-written:lab_results", "optouts-recorded", "moved:samples", "before-commit"})
    void anInterruptedIngestLeavesThePreviousPublicationIntact(String checkpoint) throws Exception {
        try (EnclaveStorage storage = freshRoot()) {
            ingest(storage, source, keys, null);
            DatasetRegistry before = new DatasetRegistryStore(storage).require();
            String target = hdfs.uri() + storage.layout().root().toUri().getPath();

            EnclaveProcess.Result crashed = EnclaveProcess.runMain(CrashingIngest.class.getName(), List.of(), checkpoint, target,
                    source.toString(), keys.toString(), source.resolve("optout.csv").toString());
            assertThat(crashed.exitCode()).as(crashed.stderr()).isEqualTo(86);
            assertThat(crashed.stderr()).contains("crashing ingest: halting at " + checkpoint);

            assertThat(new DatasetRegistryStore(storage).require()).isEqualTo(before);
            for (DatasetRegistry.Entry e : before.datasets()) {
                assertThat(ParquetScan.rows(storage, e)).hasSize((int) e.rowCount());
            }

            // The next ingest takes over the dead process's lock, cleans up and publishes.
            Ingest.Report next = ingest(storage, source, keys, source.resolve("optout.csv"));
            assertThat(next.recoveredFrom()).isNotNull();
            assertThat(stagingDirectories(storage)).isEmpty();
            for (String dataset : List.of("participants", "samples", "genotypes")) {
                assertThat(snapshots(storage, dataset)).containsExactly(next.publication());
            }
        }
    }

    @Test
    void aSecondIngestWhileOneRunsIsRefused() throws Exception {
        try (EnclaveStorage storage = freshRoot()) {
            storage.fs().mkdirs(storage.layout().staging());
            try (IngestLock held = IngestLock.acquire(storage, "20260101T000000Z-aaaaaa")) {
                assertThatThrownBy(() -> ingest(storage, source, keys, null))
                        .isInstanceOf(ValidationException.class)
                        .hasMessageStartingWith("another ingest holds " + storage.layout().staging() + "/_ingest.lock"
                                + " (publication 20260101T000000Z-aaaaaa, pid " + ProcessHandle.current().pid());
            }
            assertThat(new DatasetRegistryStore(storage).read()).isEmpty();
        }
    }

    private static void assertNoneOf(EnclaveStorage storage, Set<String> pseudonyms) throws IOException {
        DatasetRegistry registry = new DatasetRegistryStore(storage).require();
        for (DatasetRegistry.Entry entry : registry.datasets()) {
            if (entry.schema().column("participant_id").isEmpty()) {
                continue;
            }
            Set<Object> ids = ParquetScan.rows(storage, entry).stream().map(r -> r.get("participant_id")).collect(Collectors.toSet());
            assertThat(ids).as(entry.name()).isNotEmpty().doesNotContainAnyElementsOf(pseudonyms);
        }
    }

    private static Set<String> participantIds(EnclaveStorage storage) throws IOException {
        DatasetRegistry.Entry participants = new DatasetRegistryStore(storage).require().dataset("participants").orElseThrow();
        return ParquetScan.rows(storage, participants).stream().map(r -> (String) r.get("participant_id")).collect(Collectors.toSet());
    }

    private static List<String> snapshots(EnclaveStorage storage, String dataset) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus s : storage.fs().listStatus(storage.layout().dataset(dataset))) {
            names.add(s.getPath().getName());
        }
        return names;
    }

    private static List<String> stagingDirectories(EnclaveStorage storage) throws IOException {
        if (!storage.fs().exists(storage.layout().staging())) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : storage.fs().listStatus(storage.layout().staging())) {
            names.add(s.getPath().getName());
        }
        return names;
    }

    private static List<String> sourceColumnValues(Path csv, List<String> columns) throws IOException {
        List<String> values = new ArrayList<>();
        try (CsvReader reader = new CsvReader(Files.newBufferedReader(csv), csv.getFileName().toString())) {
            List<String> header = reader.readHeader();
            for (CsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                for (String c : columns) {
                    values.add(row.get(header.indexOf(c)));
                }
            }
        }
        return values;
    }

    private static Path copySource(String name) throws IOException {
        Path copy = tmp.resolve("copies").resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static int firstDataLine(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("#")) {
                return i;
            }
        }
        throw new IllegalStateException("no data line");
    }

    private static String sha256(EnclaveStorage storage, String path) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = storage.fs().open(new org.apache.hadoop.fs.Path(path))) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
