package jp.nmi.enclave.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.CsvReader;
import jp.nmi.enclave.io.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestDemoWorld {
    @TempDir
    static Path dir;

    static Path world;

    @BeforeAll
    static void write() throws IOException {
        world = dir.resolve("a");
        DemoWorld.write(new DemoWorld.Parameters(3000, 200, 42), world, Progress.NONE);
    }

    @Test
    void theSameParametersGiveByteIdenticalFilesAndAnotherSeedDoesNot() throws IOException {
        Path again = dir.resolve("b");
        Path other = dir.resolve("c");
        DemoWorld.write(new DemoWorld.Parameters(3000, 200, 42), again, Progress.NONE);
        DemoWorld.write(new DemoWorld.Parameters(3000, 200, 43), other, Progress.NONE);
        for (String f : List.of("participants.csv", "consents.csv", "diagnoses.csv", "samples.csv", "lab_results.csv",
                "clinical_notes.csv", "genotypes.vcf", "optout.csv")) {
            assertThat(Files.readAllBytes(again.resolve(f))).as(f).isEqualTo(Files.readAllBytes(world.resolve(f)));
            assertThat(Files.readAllBytes(other.resolve(f))).as(f).isNotEqualTo(Files.readAllBytes(world.resolve(f)));
        }
    }

    @Test
    void participantsLookLikeAJapaneseBiobank() throws IOException {
        List<Map<String, String>> people = csv(world.resolve("participants.csv"));
        assertThat(people).hasSize(3000);
        long women = people.stream().filter(p -> p.get("sex").equals("F")).count();
        assertThat(women).isBetween(1400L, 1720L);
        Map<String, Long> regions = count(people.stream().map(p -> p.get("region")));
        assertThat(regions.keySet()).containsExactlyInAnyOrder(
                "Hokkaido", "Tohoku", "Kanto", "Chubu", "Kinki", "Chugoku", "Shikoku", "Kyushu");
        assertThat(regions.get("Kanto")).isGreaterThan(regions.get("Shikoku") * 5);
        assertThat(people).allMatch(p -> p.get("name").matches("\\S+ \\S+") && p.get("phone").matches("0[0-9-]{9,12}"));
        assertThat(people.stream().map(p -> p.get("hospital_patient_id")).distinct().count()).isEqualTo(3000);
    }

    @Test
    void diagnosesFollowAgeAndSex() throws IOException {
        List<Map<String, String>> people = csv(world.resolve("participants.csv"));
        Map<String, String> sex = new HashMap<>();
        people.forEach(p -> sex.put(p.get("patient_id"), p.get("sex")));
        List<Map<String, String>> dx = csv(world.resolve("diagnoses.csv"));
        long breastF = dx.stream().filter(d -> d.get("icd10").startsWith("C50") && sex.get(d.get("patient_id")).equals("F")).count();
        long breastM = dx.stream().filter(d -> d.get("icd10").startsWith("C50") && sex.get(d.get("patient_id")).equals("M")).count();
        assertThat(breastF).isGreaterThan(60);
        assertThat(breastM).isLessThan(breastF / 10);
        assertThat(dx.stream().filter(d -> d.get("icd10").matches("F0[0-3].*|G30.*")).count()).isGreaterThan(40);
    }

    @Test
    void mostGenotypesAreHomozygousReferenceAndFrequenciesVaryPerVariant() throws IOException {
        List<String> lines = Files.readAllLines(world.resolve("genotypes.vcf"));
        assertThat(lines.get(0)).isEqualTo("##fileformat=VCFv4.2");
        long ref = 0;
        long total = 0;
        double minAf = 1;
        double maxAf = 0;
        for (String line : lines) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            int alt = 0;
            int called = 0;
            for (int i = 9; i < f.length; i++) {
                total++;
                if (f[i].equals("0/0")) {
                    ref++;
                }
                if (!f[i].equals("./.")) {
                    called += 2;
                    alt += (f[i].charAt(0) - '0') + (f[i].charAt(2) - '0');
                }
            }
            double af = (double) alt / called;
            minAf = Math.min(minAf, af);
            maxAf = Math.max(maxAf, af);
        }
        assertThat((double) ref / total).isGreaterThan(0.8);
        assertThat(minAf).isLessThan(0.01);
        assertThat(maxAf).isGreaterThan(0.3);
    }

    @Test
    void refusesToWriteIntoANonEmptyDirectory() {
        assertThatThrownBy(() -> DemoWorld.write(new DemoWorld.Parameters(10, 10, 1), world, Progress.NONE))
                .isInstanceOf(ValidationException.class)
                .hasMessage("--out " + world + " is not empty; demo-data writes only into a new or empty directory");
        assertThatThrownBy(() -> new DemoWorld.Parameters(0, 10, 1))
                .isInstanceOf(ValidationException.class)
                .hasMessage("--participants must be between 1 and 10,000,000, got 0");
    }

    private static Map<String, Long> count(Stream<String> values) {
        Map<String, Long> counts = new HashMap<>();
        values.forEach(v -> counts.merge(v, 1L, Long::sum));
        return counts;
    }

    static List<Map<String, String>> csv(Path file) throws IOException {
        try (CsvReader r = new CsvReader(Files.newBufferedReader(file), file.getFileName().toString())) {
            List<String> header = r.readHeader();
            List<Map<String, String>> rows = new java.util.ArrayList<>();
            for (CsvReader.Row row = r.next(); row != null; row = r.next()) {
                Map<String, String> m = new HashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    m.put(header.get(i), row.get(i));
                }
                rows.add(m);
            }
            return rows;
        }
    }
}
