package jp.nmi.enclave.consent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.ingest.DuoCodes;
import jp.nmi.enclave.io.CsvReader;
import static jp.nmi.enclave.io.FileValues.shown;

/**
 * A file of consent changes as the provider's consent system exports them, CSV or JSON (by the
 * file name's extension), with the fields
 *
 * <ul>
 *   <li>{@code patient_id}: the source patient ID (required);
 *   <li>{@code change}: {@code narrow}, {@code widen}, {@code withdraw-commercial} or {@code opt-out} (required);
 *   <li>{@code duo_codes}: the participant's whole consent after a {@code narrow} or {@code widen}, DUO
 *       codes separated by {@code ;} (a JSON array too); empty for the other changes;
 *   <li>{@code commercial_use}: {@code allowed} or {@code prohibited} after a {@code narrow} or
 *       {@code widen}; empty or {@code prohibited} for {@code withdraw-commercial}, empty for {@code opt-out};
 *   <li>{@code changed_on}: the day of the change, YYYY-MM-DD (optional: today).
 * </ul>
 *
 * The whole file is checked before anything is recorded; errors name lines (records, for JSON),
 * never patient IDs.
 */
public final class ConsentFeed {
    static final List<String> FIELDS = List.of("patient_id", "change", "duo_codes", "commercial_use", "changed_on");

    /** One change as the file gives it, checked. */
    public record Change(String patientId, ConsentChangeKind kind, List<String> duoCodes, Boolean commercialUseProhibited,
            LocalDate changedOn, String where) {}

    private ConsentFeed() {}

    public static List<Change> read(Path file) {
        String name = file.getFileName().toString();
        try {
            List<Map<String, String>> records = new ArrayList<>();
            List<String> where = new ArrayList<>();
            if (name.endsWith(".json")) {
                readJson(file, name, records, where);
            } else if (name.endsWith(".csv")) {
                readCsv(file, name, records, where);
            } else {
                throw new ValidationException(name + ": not a consent feed (expected a .csv or .json file)");
            }
            List<Change> changes = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                changes.add(change(name + " " + where.get(i), where.get(i), records.get(i)));
            }
            return List.copyOf(changes);
        } catch (NoSuchFileException e) {
            throw new ValidationException("consent feed " + file + " does not exist");
        } catch (IOException e) {
            throw new ValidationException("cannot read consent feed " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readCsv(Path file, String name, List<Map<String, String>> records, List<String> where) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8); CsvReader csv = new CsvReader(reader, name)) {
            List<String> header = csv.readHeader();
            for (int i = 0; i < header.size(); i++) {
                if (!FIELDS.contains(header.get(i))) {
                    throw new ValidationException(name + " line 1: unknown column " + shown(header.get(i), i + 1) + " (expected "
                            + String.join(", ", FIELDS) + "; is the header line missing?)");
                }
            }
            for (String required : List.of("patient_id", "change")) {
                if (!header.contains(required)) {
                    throw new ValidationException(name + " line 1: missing column '" + required + "'");
                }
            }
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                Map<String, String> record = new LinkedHashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    record.put(header.get(i), row.get(i));
                }
                records.add(record);
                where.add("line " + row.line());
            }
        }
    }

    private static void readJson(Path file, String name, List<Map<String, String>> records, List<String> where) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ValidationException(name + ": not valid JSON (line " + e.getLocation().getLineNr() + ")");
        }
        if (root == null || !root.isArray()) {
            throw new ValidationException(name + ": expected a JSON array of consent changes");
        }
        for (int i = 0; i < root.size(); i++) {
            JsonNode node = root.get(i);
            String at = "record " + (i + 1);
            if (!node.isObject()) {
                throw new ValidationException(name + " " + at + ": not an object");
            }
            Map<String, String> record = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!FIELDS.contains(f.getKey())) {
                    throw new ValidationException(name + " " + at + ": unknown field " + shown(f.getKey(), 0) + " (expected "
                            + String.join(", ", FIELDS) + ")");
                }
                JsonNode v = f.getValue();
                if (f.getKey().equals("duo_codes") && v.isArray()) {
                    List<String> codes = new ArrayList<>();
                    v.forEach(c -> codes.add(c.asText()));
                    record.put("duo_codes", String.join(";", codes));
                } else if (v.isTextual() || v.isNull()) {
                    record.put(f.getKey(), v.isNull() ? "" : v.asText());
                } else {
                    throw new ValidationException(name + " " + at + ": field '" + f.getKey() + "' must be a string");
                }
            }
            records.add(record);
            where.add(at);
        }
    }

    private static Change change(String at, String where, Map<String, String> r) {
        String patient = r.getOrDefault("patient_id", "").strip();
        if (patient.isEmpty()) {
            throw new ValidationException(at + ": patient_id is empty");
        }
        String label = r.getOrDefault("change", "").strip();
        ConsentChangeKind kind = ConsentChangeKind.of(label).orElseThrow(() -> new ValidationException(at + ": unknown change "
                + shown(label, 0) + " (known: " + ConsentChangeKind.known() + ")"));
        String codesField = r.getOrDefault("duo_codes", "").strip();
        String commercial = r.getOrDefault("commercial_use", "").strip();
        if (!commercial.isEmpty() && !Set.of("allowed", "prohibited").contains(commercial)) {
            throw new ValidationException(at + ": commercial_use " + shown(commercial, 0) + " is neither allowed nor prohibited");
        }
        List<String> codes = null;
        Boolean prohibited = null;
        switch (kind) {
            case NARROW, WIDEN -> {
                if (codesField.isEmpty() || commercial.isEmpty()) {
                    throw new ValidationException(at + ": a " + kind.label() + " change gives the participant's whole consent after it:"
                            + " duo_codes and commercial_use are required");
                }
                try {
                    codes = DuoCodes.parse(codesField);
                } catch (IllegalArgumentException e) {
                    // the parser names the code; a shifted column could put a patient ID there
                    throw new ValidationException(at + ": duo_codes is not a DUO list (exactly one permission GRU, HMB, POA or"
                            + " DS:MONDO:<7 digits>, and known modifiers, separated by ';')");
                }
                prohibited = commercial.equals("prohibited");
                if (!prohibited && codes.stream().anyMatch(DuoCodes.NON_COMMERCIAL::contains)) {
                    throw new ValidationException(at + ": commercial_use is allowed but duo_codes forbid commercial use ("
                            + String.join(", ", codes.stream().filter(DuoCodes.NON_COMMERCIAL::contains).toList()) + ")");
                }
            }
            case WITHDRAW_COMMERCIAL -> {
                if (!codesField.isEmpty() || commercial.equals("allowed")) {
                    throw new ValidationException(at + ": a withdraw-commercial change keeps the DUO codes and prohibits commercial use;"
                            + " give duo_codes with a narrow change instead");
                }
                prohibited = true;
            }
            case OPT_OUT -> {
                if (!codesField.isEmpty() || !commercial.isEmpty()) {
                    throw new ValidationException(at + ": an opt-out change has no duo_codes or commercial_use");
                }
            }
        }
        LocalDate on = LocalDate.now(java.time.ZoneId.of("Asia/Tokyo"));
        String day = r.getOrDefault("changed_on", "").strip();
        if (!day.isEmpty()) {
            try {
                on = LocalDate.parse(day);
            } catch (DateTimeParseException e) {
                throw new ValidationException(at + ": changed_on is not a date (expected YYYY-MM-DD)");
            }
        }
        return new Change(patient, kind, codes, prohibited, on, where);
    }
}
