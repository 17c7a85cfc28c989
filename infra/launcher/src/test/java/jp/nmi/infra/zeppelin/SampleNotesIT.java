package jp.nmi.infra.zeppelin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every sample note of notebooks/samples, copied as the workbench copies it and run paragraph by
 * paragraph through Zeppelin's REST API as alice, with its results checked.
 */
class SampleNotesIT {
    static NotebookEnclave e;
    static ZeppelinClient alice;
    static final Path SAMPLES = Path.of(System.getProperty("enclave.root", "../..")).resolve("notebooks/samples/DEMO-1");

    @BeforeAll
    static void start() {
        e = NotebookEnclave.get();
        alice = e.as("alice");
    }

    /** Copies a sample into alice's folder and runs it; the results in order. */
    static List<ZeppelinClient.Result> run(String file) throws IOException {
        JsonNode sample = ZeppelinClient.JSON.readTree(Files.readString(SAMPLES.resolve(file)));
        List<String> texts = new ArrayList<>();
        sample.path("paragraphs").forEach(p -> texts.add(p.path("text").asText()));
        String note = alice.createNote("/DEMO-1/alice/samples run by the test/" + sample.path("name").asText(), texts);
        List<ZeppelinClient.Result> out = new ArrayList<>();
        for (String p : alice.paragraphIds(note)) {
            out.add(alice.run(note, p));
        }
        return out;
    }

    @Test
    void theIndexListsEverySample() throws IOException {
        JsonNode index = ZeppelinClient.JSON.readTree(Files.readString(SAMPLES.resolve("index.json")));
        List<String> listed = new ArrayList<>();
        index.path("samples").forEach(s -> listed.add(s.path("file").asText()));
        try (var files = Files.list(SAMPLES)) {
            assertThat(listed).containsExactlyInAnyOrderElementsOf(files.map(f -> f.getFileName().toString())
                    .filter(f -> !f.equals("index.json")).toList());
        }
    }

    @Test
    void describeTheCohort() throws IOException {
        List<ZeppelinClient.Result> r = run("01-describe-the-cohort.json");
        print("01", r);
        assertThat(r).allSatisfy(x -> assertThat(x.code()).as(x.text()).isEqualTo("SUCCESS"));
        assertThat(r.get(0).types()).containsExactly("HTML");
        assertThat(r.get(1).table()).extracting(row -> row.get(0)).contains("participants", "samples", "lab_results");
        assertThat(r.get(2).table()).contains(List.of("enrolled_on", "date", "masked", "MASK_DATE_SHOW_YEAR"));
        assertThat(r.get(3).table().get(0)).containsExactly("age_band", "participants");
        assertThat(r.get(4).table().get(0)).containsExactly("variable", "age_band", "n", "mean", "sd");
        assertThat(r.get(4).data().get(1)).startsWith("Disclosure check under acro: ");
    }

    @Test
    void aFailingCrosstabAndItsFixes() throws IOException {
        List<ZeppelinClient.Result> r = run("02-fix-a-failing-crosstab.json");
        print("02", r);
        assertThat(r).allSatisfy(x -> assertThat(x.code()).as(x.text()).isEqualTo("SUCCESS"));
        assertThat(r.get(1).data().get(1)).startsWith("Disclosure check under acro: FAIL").contains("FAIL threshold");
        assertThat(r.get(5).table().stream().flatMap(List::stream)).contains("suppressed");
        assertThat(r.get(5).data().get(1)).doesNotContain("FAIL threshold");
    }

    @Test
    void aRegression() throws IOException {
        List<ZeppelinClient.Result> r = run("03-a-regression.json");
        print("03", r);
        assertThat(r.get(1).code()).as(r.get(1).text()).isEqualTo("SUCCESS");
        assertThat(r.get(1).table()).extracting(row -> row.get(0)).contains("age");
    }

    @Test
    void survivalByGroup() throws IOException {
        List<ZeppelinClient.Result> r = run("04-survival-by-group.json");
        print("04", r);
        assertThat(r.get(1).code()).as(r.get(1).text()).isEqualTo("SUCCESS");
        assertThat(r.get(1).data().get(1)).startsWith("Disclosure check under acro: ");
    }

    @Test
    void exportAResult() throws IOException {
        List<ZeppelinClient.Result> r = run("05-export-a-result.json");
        print("05", r);
        assertThat(r.get(2).code()).as(r.get(2).text()).isEqualTo("SUCCESS");
        assertThat(r.get(2).data().get(1)).startsWith("Exported age_bands.csv to the outbox of DEMO-1");
        assertThat(e.enclave.storage().fs().exists(new org.apache.hadoop.fs.Path("/enclave/projects/DEMO-1/outbox/age_bands.csv")))
                .isTrue();
    }

    private static void print(String name, List<ZeppelinClient.Result> r) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < r.size(); i++) {
            m.put(i, r.get(i).code() + " " + r.get(i).types() + " " + r.get(i).text());
        }
        System.out.println("SAMPLE " + name + " " + m);
    }
}
