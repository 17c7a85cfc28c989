package jp.nmi.enclave.dataset;

import static jp.nmi.enclave.dataset.ColumnType.BOOLEAN;
import static jp.nmi.enclave.dataset.ColumnType.DATE;
import static jp.nmi.enclave.dataset.ColumnType.DOUBLE;
import static jp.nmi.enclave.dataset.ColumnType.INT;
import static jp.nmi.enclave.dataset.ColumnType.LONG;
import static jp.nmi.enclave.dataset.ColumnType.STRING;
import static jp.nmi.enclave.dataset.ColumnType.STRING_ARRAY;
import static jp.nmi.enclave.dataset.Sensitivity.CONSENT;
import static jp.nmi.enclave.dataset.Sensitivity.EXACT_DATE;
import static jp.nmi.enclave.dataset.Sensitivity.FREE_TEXT;
import static jp.nmi.enclave.dataset.Sensitivity.PSEUDONYM;
import static jp.nmi.enclave.dataset.Sensitivity.QUASI_IDENTIFIER;
import static jp.nmi.enclave.dataset.Sensitivity.SENSITIVE;

import java.util.List;
import java.util.Optional;

/**
 * The datasets of the enclave and their columns: a contract shared by ingest, policies, tests, docs
 * and checks outside this code (ARCHITECTURE.md section 6). Renaming anything here breaks them.
 */
public final class DatasetSchemas {
    public static final TableSchema PARTICIPANTS = new TableSchema("participants", List.of(
            Column.of("participant_id", STRING, PSEUDONYM),
            Column.of("sex", STRING, QUASI_IDENTIFIER),
            Column.of("birth_year", INT, QUASI_IDENTIFIER),
            Column.of("age_band", STRING, QUASI_IDENTIFIER),
            Column.of("region", STRING, QUASI_IDENTIFIER),
            Column.of("commercial_use_prohibited", BOOLEAN, CONSENT),
            Column.of("duo_codes", STRING_ARRAY, CONSENT),
            Column.of("enrolled_on", DATE, EXACT_DATE)));

    public static final TableSchema DIAGNOSES = new TableSchema("diagnoses", List.of(
            Column.of("participant_id", STRING, PSEUDONYM),
            Column.of("icd10", STRING, SENSITIVE),
            Column.of("diagnosed_on", DATE, EXACT_DATE)));

    public static final TableSchema SAMPLES = new TableSchema("samples", List.of(
            Column.of("sample_id", STRING, PSEUDONYM),
            Column.of("participant_id", STRING, PSEUDONYM),
            Column.of("biobank", STRING),
            Column.of("sample_type", STRING),
            Column.of("age_at_collection", INT, QUASI_IDENTIFIER),
            Column.of("storage_temperature", STRING),
            Column.of("collected_on", DATE, EXACT_DATE)));

    public static final TableSchema LAB_RESULTS = new TableSchema("lab_results", List.of(
            Column.of("participant_id", STRING, PSEUDONYM),
            Column.of("test_code", STRING),
            Column.of("value", DOUBLE, SENSITIVE),
            Column.of("unit", STRING),
            Column.of("measured_on", DATE, EXACT_DATE)));

    public static final TableSchema CLINICAL_NOTES = new TableSchema("clinical_notes", List.of(
            Column.of("participant_id", STRING, PSEUDONYM),
            Column.of("note", STRING, FREE_TEXT, SENSITIVE),
            Column.of("written_on", DATE, EXACT_DATE)));

    public static final TableSchema VARIANTS = new TableSchema("variants", List.of(
            Column.of("variant_id", STRING),
            Column.of("chrom", STRING),
            Column.of("pos", LONG),
            Column.of("ref", STRING),
            Column.of("alt", STRING)));

    public static final TableSchema GENOTYPES = new TableSchema("genotypes", List.of(
            Column.of("participant_id", STRING, PSEUDONYM),
            Column.of("variant_id", STRING),
            Column.of("alt_count", INT, SENSITIVE)));

    /** Every dataset, in the order ingest writes them. */
    public static final List<TableSchema> ALL = List.of(
            PARTICIPANTS, DIAGNOSES, SAMPLES, LAB_RESULTS, CLINICAL_NOTES, VARIANTS, GENOTYPES);

    private DatasetSchemas() {}

    public static Optional<TableSchema> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
