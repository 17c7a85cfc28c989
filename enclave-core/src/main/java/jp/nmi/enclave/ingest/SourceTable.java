package jp.nmi.enclave.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jp.nmi.enclave.error.ValidationException;

/**
 * The source CSV files a provider hands over and the columns each must have. Columns are matched by
 * name in any order; a missing or an unknown column stops ingest (an unknown column may be an
 * identifier nobody decided about).
 */
enum SourceTable {
    PARTICIPANTS("participants.csv", "patient_id", "hospital_patient_id", "name", "name_kana", "birth_date", "sex",
            "address", "phone", "insurance_number", "region", "enrolled_on"),
    CONSENTS("consents.csv", "patient_id", "duo_codes", "commercial_use_prohibited", "consented_on"),
    DIAGNOSES("diagnoses.csv", "patient_id", "icd10", "diagnosed_on"),
    SAMPLES("samples.csv", "sample_id", "patient_id", "biobank", "sample_type", "storage_temperature", "collected_on"),
    LAB_RESULTS("lab_results.csv", "patient_id", "test_code", "value", "unit", "measured_on"),
    CLINICAL_NOTES("clinical_notes.csv", "patient_id", "note", "written_on");

    /** Columns that hold direct identifiers (個人識別符号 and the like): read for scrubbing, never written. */
    static final Set<String> DIRECT_IDENTIFIERS = Set.of(
            "patient_id", "hospital_patient_id", "name", "name_kana", "birth_date", "address", "phone", "insurance_number");

    private final String fileName;
    private final List<String> columns;

    SourceTable(String fileName, String... columns) {
        this.fileName = fileName;
        this.columns = List.of(columns);
    }

    String fileName() {
        return fileName;
    }

    List<String> columns() {
        return columns;
    }

    /** Maps each expected column to its position in {@code header}. */
    int[] positions(List<String> header) {
        for (String h : header) {
            if (!columns.contains(h)) {
                throw new ValidationException(fileName + " line 1: unknown column '" + h + "' (expected exactly: "
                        + String.join(", ", columns) + ")");
            }
        }
        List<String> missing = new ArrayList<>();
        int[] positions = new int[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            positions[i] = header.indexOf(columns.get(i));
            if (positions[i] < 0) {
                missing.add(columns.get(i));
            }
        }
        if (!missing.isEmpty()) {
            throw new ValidationException(fileName + " line 1: missing column" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing));
        }
        return positions;
    }
}
