package jp.nmi.enclave.demo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import jp.nmi.enclave.demo.ClinicalModel.Diagnosis;
import jp.nmi.enclave.demo.ReferenceData.Name;
import jp.nmi.enclave.demo.ReferenceData.Place;
import jp.nmi.enclave.demo.ReferenceData.Region;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.CsvWriter;
import jp.nmi.enclave.io.Progress;

/**
 * The synthetic demo world of ARCHITECTURE.md section 6, written as the <em>source</em> files a
 * hospital or biobank would hand to the provider: CSV files that still carry direct identifiers
 * (so that ingest has something to remove) and a VCF of genotypes.
 *
 * <p>Everything is a function of the parameters: the same participants, variants and seed give
 * byte-identical files. Each file draws from its own random stream, so the files stay stable when
 * another one changes.
 */
public final class DemoWorld {
    /** Source file names, a contract with ingest. */
    public static final String PARTICIPANTS_CSV = "participants.csv";
    public static final String CONSENTS_CSV = "consents.csv";
    public static final String DIAGNOSES_CSV = "diagnoses.csv";
    public static final String SAMPLES_CSV = "samples.csv";
    public static final String LAB_RESULTS_CSV = "lab_results.csv";
    public static final String CLINICAL_NOTES_CSV = "clinical_notes.csv";
    public static final String GENOTYPES_VCF = "genotypes.vcf";
    /** Opt-out (提供停止) requests received so far: not a table; give it to ingest with --optout. */
    public static final String OPTOUT_CSV = "optout.csv";
    public static final String MANIFEST = "demo-world.json";

    static final LocalDate FIRST_ENROLMENT = LocalDate.of(2013, 1, 1);
    static final LocalDate LAST_DATE = LocalDate.of(2025, 6, 30);

    /** What to generate. */
    public record Parameters(int participants, int variants, long seed) {
        public Parameters {
            if (participants < 1 || participants > 10_000_000) {
                throw new ValidationException("--participants must be between 1 and 10,000,000, got " + participants);
            }
            if (variants < 1 || variants > 10_000_000) {
                throw new ValidationException("--variants must be between 1 and 10,000,000, got " + variants);
            }
        }
    }

    /** What was written. */
    public record Summary(int participants, int diagnoses, int samples, int labResults, int clinicalNotes,
            int variants, long nonReferenceGenotypes, int optouts, Path directory) {}

    private DemoWorld() {}

    /**
     * Writes the demo world's source files into {@code out} (created if needed).
     *
     * @throws ValidationException if {@code out} exists and is not an empty directory
     */
    public static Summary write(Parameters parameters, Path out, Progress progress) throws IOException {
        requireNonNull(parameters, "parameters is null");
        requireNonNull(out, "out is null");
        requireNonNull(progress, "progress is null");
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new ValidationException("--out " + out + " exists and is not a directory");
            }
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new ValidationException("--out " + out + " is not empty; demo-data writes only into a new or empty directory");
                }
            }
        }
        Files.createDirectories(out);

        List<Person> people = people(parameters, progress);
        int diagnoses = writeParticipants(people, out);
        int samples = writeSamples(people, out, random(parameters.seed(), 3));
        int labs = writeLabResults(people, out, random(parameters.seed(), 4));
        int notes = writeNotes(people, out, random(parameters.seed(), 5));
        GenomeModel genome = new GenomeModel(parameters.variants(), random(parameters.seed(), 6));
        long calls = genome.writeVcf(people, out.resolve(GENOTYPES_VCF), random(parameters.seed(), 7), progress);
        int optouts = writeOptouts(people, out, random(parameters.seed(), 8));

        Summary summary = new Summary(people.size(), diagnoses, samples, labs, notes, parameters.variants(), calls, optouts, out);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("generator", "enclave demo-data");
        manifest.put("participants", parameters.participants());
        manifest.put("variants", parameters.variants());
        manifest.put("seed", parameters.seed());
        manifest.put("diagnoses", diagnoses);
        manifest.put("samples", samples);
        manifest.put("lab_results", labs);
        manifest.put("clinical_notes", notes);
        manifest.put("non_reference_genotypes", calls);
        manifest.put("optout_requests", optouts);
        manifest.put("note", "Synthetic data. Every name, address, phone and insurance number is invented.");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(MANIFEST).toFile(), manifest);
        return summary;
    }

    /** A random stream per purpose, derived from the seed (SplitMix64 finaliser). */
    static SplittableRandom random(long seed, int stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 31));
    }

    private static List<Person> people(Parameters parameters, Progress progress) {
        SplittableRandom rnd = random(parameters.seed(), 1);
        SplittableRandom clinical = random(parameters.seed(), 2);
        ClinicalModel model = new ClinicalModel();
        Set<String> hospitalIds = new HashSet<>();
        Set<String> phones = new HashSet<>();
        Set<String> insurance = new HashSet<>();
        List<Person> people = new ArrayList<>(parameters.participants());
        int span = (int) (LocalDate.of(2024, 12, 31).toEpochDay() - FIRST_ENROLMENT.toEpochDay());
        try (Progress.Task task = progress.start("participants", parameters.participants())) {
            for (int i = 0; i < parameters.participants(); i++) {
                Person p = new Person();
                p.patientId = String.format(Locale.ROOT, "PT%08d", i + 1);
                p.hospitalId = unique(hospitalIds, () -> String.format(Locale.ROOT, "H%09d", rnd.nextInt(1_000_000_000)));
                p.sex = rnd.nextDouble() < 0.52 ? "F" : "M";
                p.family = pick(ReferenceData.FAMILY_NAMES, rnd);
                p.given = pick(p.sex.equals("F") ? ReferenceData.GIVEN_NAMES_F : ReferenceData.GIVEN_NAMES_M, rnd);
                int age = ageAtEnrolment(rnd);
                p.enrolledOn = FIRST_ENROLMENT.plusDays(rnd.nextInt(span + 1));
                p.birthDate = p.enrolledOn.minusYears(age).minusDays(rnd.nextInt(364));
                p.ageAtEnrolment = age;
                Region region = weighted(ReferenceData.REGIONS, rnd);
                p.region = region.name();
                Place place = pick(region.places(), rnd);
                p.address = place.prefecture() + place.city() + pick(ReferenceData.TOWN_PARTS, rnd)
                        + (1 + rnd.nextInt(5)) + "丁目" + (1 + rnd.nextInt(30)) + "-" + (1 + rnd.nextInt(20));
                p.phone = unique(phones, () -> rnd.nextDouble() < 0.7
                        ? String.format(Locale.ROOT, "0%d0-%04d-%04d", 7 + rnd.nextInt(3), rnd.nextInt(10_000), rnd.nextInt(10_000))
                        : landline(place.areaCode(), rnd));
                p.insuranceNumber = unique(insurance, () -> String.format(Locale.ROOT, "%08d-%06d",
                        1_000_000 + rnd.nextInt(39_000_000), rnd.nextInt(1_000_000)));
                p.diagnoses = model.diagnoses(p, clinical);
                model.consent(p, clinical);
                people.add(p);
                task.advance(1);
            }
        }
        return people;
    }

    private static String landline(String areaCode, SplittableRandom rnd) {
        int localDigits = 10 - areaCode.length();
        int first = localDigits - 4;
        int bound = (int) Math.pow(10, first);
        return areaCode + "-" + String.format(Locale.ROOT, "%0" + first + "d", rnd.nextInt(bound / 10, bound))
                + "-" + String.format(Locale.ROOT, "%04d", rnd.nextInt(10_000));
    }

    private static int ageAtEnrolment(SplittableRandom rnd) {
        double[] weights = {0.07, 0.09, 0.13, 0.17, 0.22, 0.20, 0.10, 0.02};
        double u = rnd.nextDouble();
        int band = 0;
        double acc = weights[0];
        while (u > acc && band < weights.length - 1) {
            band++;
            acc += weights[band];
        }
        return 20 + band * 10 + rnd.nextInt(10);
    }

    private static int writeParticipants(List<Person> people, Path out) throws IOException {
        int diagnoses = 0;
        try (CsvWriter participants = csv(out.resolve(PARTICIPANTS_CSV));
                CsvWriter consents = csv(out.resolve(CONSENTS_CSV));
                CsvWriter dx = csv(out.resolve(DIAGNOSES_CSV))) {
            participants.writeRow("patient_id", "hospital_patient_id", "name", "name_kana", "birth_date", "sex",
                    "address", "phone", "insurance_number", "region", "enrolled_on");
            consents.writeRow("patient_id", "duo_codes", "commercial_use_prohibited", "consented_on");
            dx.writeRow("patient_id", "icd10", "diagnosed_on");
            for (Person p : people) {
                participants.writeRow(p.patientId, p.hospitalId, p.fullName(), p.fullNameKana(), p.birthDate, p.sex,
                        p.address, p.phone, p.insuranceNumber, p.region, p.enrolledOn);
                consents.writeRow(p.patientId, String.join(";", p.duoCodes), p.commercialUseProhibited, p.enrolledOn);
                for (Diagnosis d : p.diagnoses) {
                    dx.writeRow(p.patientId, d.icd10(), d.date());
                    diagnoses++;
                }
            }
        }
        return diagnoses;
    }

    private static int writeSamples(List<Person> people, Path out, SplittableRandom rnd) throws IOException {
        Set<String> ids = new HashSet<>();
        int count = 0;
        try (CsvWriter w = csv(out.resolve(SAMPLES_CSV))) {
            w.writeRow("sample_id", "patient_id", "biobank", "sample_type", "storage_temperature", "collected_on");
            for (Person p : people) {
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    String id = unique(ids, () -> String.format(Locale.ROOT, "S%010d", rnd.nextLong(10_000_000_000L)));
                    String[] type = sampleType(p, rnd);
                    LocalDate collected = min(p.enrolledOn.plusDays(rnd.nextInt(3 * 365)), LAST_DATE);
                    w.writeRow(id, p.patientId, ReferenceData.biobankOf(p.region), type[0], type[1], collected);
                    count++;
                }
            }
        }
        return count;
    }

    private static String[] sampleType(Person p, SplittableRandom rnd) {
        double u = rnd.nextDouble();
        if (p.hasBreastCancer && u < 0.15) {
            return new String[] {"tissue_ffpe", "RT"};
        }
        if (u < 0.35) {
            return new String[] {"dna", "-20C"};
        } else if (u < 0.60) {
            return new String[] {"serum", "-80C"};
        } else if (u < 0.80) {
            return new String[] {"plasma", "-80C"};
        } else if (u < 0.92) {
            return new String[] {"buffy_coat", "-196C"};
        }
        return new String[] {"urine", "-80C"};
    }

    private static int writeLabResults(List<Person> people, Path out, SplittableRandom rnd) throws IOException {
        int count = 0;
        ClinicalModel model = new ClinicalModel();
        try (CsvWriter w = csv(out.resolve(LAB_RESULTS_CSV))) {
            w.writeRow("patient_id", "test_code", "value", "unit", "measured_on");
            for (Person p : people) {
                for (ClinicalModel.LabResult r : model.labResults(p, rnd)) {
                    w.writeRow(p.patientId, r.testCode(), r.value(), r.unit(), r.date());
                    count++;
                }
            }
        }
        return count;
    }

    private static int writeNotes(List<Person> people, Path out, SplittableRandom rnd) throws IOException {
        int count = 0;
        ClinicalModel model = new ClinicalModel();
        try (CsvWriter w = csv(out.resolve(CLINICAL_NOTES_CSV))) {
            w.writeRow("patient_id", "note", "written_on");
            for (Person p : people) {
                for (ClinicalModel.Note n : model.notes(p, rnd)) {
                    w.writeRow(p.patientId, n.text(), n.date());
                    count++;
                }
            }
        }
        return count;
    }

    private static int writeOptouts(List<Person> people, Path out, SplittableRandom rnd) throws IOException {
        int count = 0;
        try (CsvWriter w = csv(out.resolve(OPTOUT_CSV))) {
            w.writeRow("patient_id", "received_on");
            for (Person p : people) {
                if (rnd.nextDouble() < 0.005) {
                    w.writeRow(p.patientId, min(p.enrolledOn.plusDays(30 + rnd.nextInt(2000)), LAST_DATE));
                    count++;
                }
            }
        }
        return count;
    }

    static CsvWriter csv(Path file) throws IOException {
        Writer writer = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16);
        return new CsvWriter(writer);
    }

    static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }

    static <T> T pick(List<T> list, SplittableRandom rnd) {
        return list.get(rnd.nextInt(list.size()));
    }

    private static Region weighted(List<Region> regions, SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double acc = 0;
        for (Region r : regions) {
            acc += r.weight();
            if (u < acc) {
                return r;
            }
        }
        return regions.get(regions.size() - 1);
    }

    private static String unique(Set<String> seen, java.util.function.Supplier<String> next) {
        while (true) {
            String candidate = next.get();
            if (seen.add(candidate)) {
                return candidate;
            }
        }
    }

    /** One synthetic person, with everything the source files say about them. */
    static final class Person {
        String patientId;
        String hospitalId;
        Name family;
        Name given;
        String sex;
        LocalDate birthDate;
        int ageAtEnrolment;
        LocalDate enrolledOn;
        String region;
        String address;
        String phone;
        String insuranceNumber;
        List<Diagnosis> diagnoses = List.of();
        boolean hasBreastCancer;
        boolean hasDementia;
        List<String> duoCodes = List.of();
        boolean commercialUseProhibited;

        String fullName() {
            return family.kanji() + " " + given.kanji();
        }

        String fullNameKana() {
            return family.kana() + " " + given.kana();
        }

        int ageOn(LocalDate date) {
            return java.time.Period.between(birthDate, date).getYears();
        }
    }
}
