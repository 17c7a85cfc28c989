package jp.nmi.enclave.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class TestDataCatalogue {
    /** A registry as ingest writes it: every dataset of the schema, with counts and a date. */
    static DatasetRegistry registry() {
        List<DatasetRegistry.Entry> entries = new ArrayList<>();
        long rows = 7;
        for (TableSchema t : DatasetSchemas.ALL) {
            entries.add(new DatasetRegistry.Entry(t.name(), "p1", "/enclave/datasets/" + t.name() + "/p1", t.columns(), rows,
                    "sha256:x", "2026-11-29T16:30:00Z", List.of()));
            rows = rows * 13 + 1;
        }
        return new DatasetRegistry(DatasetRegistry.FORMAT, "p1", "2026-11-29T16:30:00Z", entries);
    }

    @Test
    void everyDatasetAndColumnComesFromTheRegistryWithItsTypeAndSensitivity() {
        DatasetRegistry registry = registry();
        List<DataCatalogue.Dataset> en = DataCatalogue.load().datasets(registry, Locale.ENGLISH);
        assertThat(en).extracting(DataCatalogue.Dataset::name).containsExactlyElementsOf(
                registry.datasets().stream().map(DatasetRegistry.Entry::name).toList());
        for (int i = 0; i < en.size(); i++) {
            DatasetRegistry.Entry e = registry.datasets().get(i);
            DataCatalogue.Dataset d = en.get(i);
            assertThat(d.columns()).extracting(DataCatalogue.ColumnEntry::name).containsExactlyElementsOf(
                    e.columns().stream().map(Column::name).toList());
            for (int c = 0; c < e.columns().size(); c++) {
                assertThat(d.columns().get(c).type()).isEqualTo(e.columns().get(c).type().name().toLowerCase(Locale.ROOT));
                assertThat(d.columns().get(c).sensitivity()).containsExactlyInAnyOrderElementsOf(e.columns().get(c).tags().stream()
                        .map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
                assertThat(d.columns().get(c).description()).isNotBlank();
            }
            // rows as bounds around the registry's count, never the count itself
            assertThat(d.rows().atLeast()).isLessThanOrEqualTo(e.rowCount());
            assertThat(d.rows().below()).isGreaterThan(e.rowCount());
            // 16:30 UTC is the next day in Tokyo
            assertThat(d.updatedOn()).isEqualTo("2026-11-30");
        }
        DataCatalogue.Dataset diagnoses = en.stream().filter(d -> d.name().equals("diagnoses")).findFirst().orElseThrow();
        assertThat(diagnoses.standards()).containsExactly("ICD-10");
        assertThat(diagnoses.columns().get(1).standard()).isEqualTo("ICD-10");
        assertThat(en.get(0).description()).startsWith("One row per participant");
        assertThat(DataCatalogue.load().datasets(registry, Locale.JAPANESE).get(0).description()).startsWith("プロバイダのバイオバンク");
    }

    @Test
    void boundsFollowOneTwoFiveAndNeverGiveASmallCount() {
        // small counts are never told apart, not even from none
        assertThat(DataCatalogue.Bounds.of(0)).isEqualTo(new DataCatalogue.Bounds(0, 10));
        assertThat(DataCatalogue.Bounds.of(1)).isEqualTo(new DataCatalogue.Bounds(0, 10));
        assertThat(DataCatalogue.Bounds.of(9)).isEqualTo(new DataCatalogue.Bounds(0, 10));
        assertThat(DataCatalogue.Bounds.of(10)).isEqualTo(new DataCatalogue.Bounds(10, 20));
        assertThat(DataCatalogue.Bounds.of(1_999)).isEqualTo(new DataCatalogue.Bounds(1_000, 2_000));
        assertThat(DataCatalogue.Bounds.of(4_321_000)).isEqualTo(new DataCatalogue.Bounds(2_000_000, 5_000_000));
    }

    @Test
    void wordsForAColumnNoDatasetHasOrAMissingDatasetAreRefused() {
        String yaml = """
                participants:
                  en: x
                  ja: x
                  standards: [DUO, SNOMED]
                  columns:
                    participant_id: {en: x, ja: x}
                    shoe_size: {en: x, ja: x}
                """;
        assertThatThrownBy(() -> DataCatalogue.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))))
                .hasMessageStartingWith("dataset/catalogue.yaml: dataset participants: unknown standard SNOMED; column participants.sex"
                        + " is not described in en and ja;")
                .hasMessageContaining("column participants.shoe_size is described but no dataset has it")
                .hasMessageContaining("dataset diagnoses is not described");
    }
}
