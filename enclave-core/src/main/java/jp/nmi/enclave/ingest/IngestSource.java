package jp.nmi.enclave.ingest;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.dataset.DatasetSchemas;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.CsvReader;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.optout.OptoutRequests;
import jp.nmi.enclave.pseudonym.Pseudonymizer;

/**
 * The first half of ingest: a provider's source files, parsed and validated, and pseudonymized
 * row by row. Nothing here writes anywhere; {@link Ingest} stages and publishes what it yields.
 * Bad input stops it with the file, line and reason.
 */
final class IngestSource {
    static final String VCF = "genotypes.vcf";
    static final String VCF_GZ = "genotypes.vcf.gz";
    static final String BCF = "genotypes.bcf";
    private static final List<String> SEXES = List.of("F", "M");
    private static final List<String> REGIONS = jp.nmi.enclave.dataset.Region.labels();

    /** One table's row as the dataset will hold it, from the fields of a source row and its participant. */
    @FunctionalInterface
    interface RowMapper {
        Object[] map(Fields fields, SourceParticipant participant);
    }

    private final java.nio.file.Path source;
    private final java.nio.file.Path vcf;
    private final List<OptoutRequests.Request> optoutRequests;
    private final Progress progress;
    final Pseudonymizer participantIds;
    final Pseudonymizer sampleIds;
    private final Map<String, SourceParticipant> participants = new HashMap<>();
    private int optedOutLeftOut;
    private int withoutConsentLeftOut;

    private IngestSource(java.nio.file.Path source, java.nio.file.Path vcf, List<OptoutRequests.Request> optoutRequests,
            javax.crypto.SecretKey providerKey, Progress progress) {
        this.source = source;
        this.vcf = vcf;
        this.optoutRequests = optoutRequests;
        this.progress = progress;
        this.participantIds = new Pseudonymizer(providerKey, Pseudonymizer.PARTICIPANT);
        this.sampleIds = new Pseudonymizer(providerKey, Pseudonymizer.SAMPLE);
    }

    /**
     * The source directory, checked for every file it must have, and its opt-out file read and
     * checked whole, before anything else happens.
     *
     * @throws ValidationException naming what is missing or wrong
     */
    static IngestSource open(Ingest.Request request, java.util.function.Supplier<javax.crypto.SecretKey> providerKey, Progress progress) {
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
        java.nio.file.Path vcf = Files.isRegularFile(source.resolve(VCF)) ? source.resolve(VCF)
                : Files.isRegularFile(source.resolve(VCF_GZ)) ? source.resolve(VCF_GZ) : source.resolve(BCF);
        if (!Files.isRegularFile(vcf)) {
            throw new ValidationException("--source " + source + " has no " + VCF + " (or " + VCF_GZ + ", " + BCF + ")");
        }
        List<OptoutRequests.Request> optouts = request.optoutFile() == null ? List.of() : OptoutRequests.read(request.optoutFile());
        return new IngestSource(source, vcf, optouts, providerKey.get(), progress);
    }

    List<OptoutRequests.Request> optoutRequests() {
        return optoutRequests;
    }

    java.nio.file.Path vcf() {
        return vcf;
    }

    Collection<SourceParticipant> participants() {
        return participants.values();
    }

    /** The participant of a source patient ID, or null. */
    SourceParticipant participant(String patientId) {
        return participants.get(patientId);
    }

    int optedOutLeftOut() {
        return optedOutLeftOut;
    }

    int withoutConsentLeftOut() {
        return withoutConsentLeftOut;
    }

    /** Reads and checks every participant and consent; decides who is included (consented, not opted out). */
    void readParticipants(Set<String> optedOut) throws IOException {
        String file = SourceTable.PARTICIPANTS.fileName();
        Map<String, Integer> lineOf = new HashMap<>();
        try (Reader reader = Files.newBufferedReader(source.resolve(file), StandardCharsets.UTF_8);
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
        try (Reader reader = Files.newBufferedReader(source.resolve(file), StandardCharsets.UTF_8);
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

    /**
     * Every row of {@code table}, mapped (and so validated) by {@code mapper}, also the rows of people
     * left out (bad input is bad input); only the rows of included participants reach {@code sink}.
     */
    void eachRow(SourceTable table, RowMapper mapper, java.util.function.Consumer<Object[]> sink) throws IOException {
        String file = table.fileName();
        try (Reader reader = Files.newBufferedReader(source.resolve(file), StandardCharsets.UTF_8);
                CsvReader csv = new CsvReader(reader, file);
                Progress.Task task = progress.start(file, -1)) {
            int[] positions = table.positions(csv.readHeader());
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                Fields f = new Fields(file, table.columns(), positions, row);
                SourceParticipant p = participant(f);
                Object[] out = mapper.map(f, p);
                if (p.isIncluded()) {
                    sink.accept(out);
                }
                task.advance(1);
            }
        }
    }

    Object[] diagnosis(Fields f, SourceParticipant p) {
        String code = f.text("icd10");
        if (!Icd10.isValid(code)) {
            throw f.fail("icd10", code, "is not a valid ICD-10 code (a letter, two digits, optionally a dot and one or"
                    + " two characters, e.g. C50.9)");
        }
        return new Object[] {p.pseudonym, code, f.date("diagnosed_on")};
    }

    /** The samples' mapper: a sample ID may appear once. */
    RowMapper samples() {
        Set<String> sampleSeen = new HashSet<>();
        return (f, p) -> {
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
        };
    }

    Object[] labResult(Fields f, SourceParticipant p) {
        return new Object[] {p.pseudonym,
                f.matching("test_code", "[A-Z0-9][A-Z0-9_.-]{0,31}", "upper-case letters, digits, '_', '.', '-'"),
                f.number("value"), f.text("unit"), f.date("measured_on")};
    }

    Object[] clinicalNote(Fields f, SourceParticipant p) {
        return new Object[] {p.pseudonym, IdentifierScrubber.scrub(f.freeText("note"), p.identifiers), f.date("written_on")};
    }

    /**
     * The participant of each sample column of the VCF.
     *
     * @throws ValidationException if a column repeats a sample or names nobody
     */
    List<SourceParticipant> vcfSamples(List<String> samples, int headerLine) {
        Set<String> seen = new HashSet<>();
        List<SourceParticipant> out = new ArrayList<>(samples.size());
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
            out.add(p);
        }
        return out;
    }

    static List<String> fileNames() {
        List<String> names = new ArrayList<>();
        for (SourceTable t : SourceTable.values()) {
            names.add(t.fileName());
        }
        names.add(VCF);
        return names;
    }
}
