package jp.nmi.enclave.phenopacket;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import jp.nmi.enclave.discovery.Icd10Catalog;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;

/**
 * One participant of a project as a GA4GH Phenopacket (schema v2, JSON), for the member's own view
 * inside the enclave: made from what the member may see, through the same governed statements as
 * their own SQL (row filters, column masks and denials apply), so it never shows more than a
 * {@code SELECT} would. It is not an output: {@code export} does not write it, and it leaves only
 * as any file does, through the egress review.
 *
 * <p>Mapping: {@code participants} gives the subject (sex, the age band as an age range),
 * {@code diagnoses} the diseases (ICD-10 terms with their titles, the diagnosis date as the onset),
 * {@code samples} the biosamples (type, age or date of collection, biobank).
 */
public final class Phenopackets {
    /** Project pseudonyms: lower-case hexadecimal (the keyed hash of the provider's). */
    private static final Pattern ID = Pattern.compile("[0-9a-f]{16,64}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final EnclaveSession session;
    private final String projectId;
    private final Clock clock;

    public Phenopackets(EnclaveSession session, String projectId, Clock clock) {
        this.session = requireNonNull(session, "session is null");
        this.projectId = requireNonNull(projectId, "projectId is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * The phenopacket of {@code participantId} as {@code user} may see it, as JSON.
     *
     * @throws NotFoundException when the member sees no such participant (absent and filtered out look the same)
     * @throws AccessDeniedException when the member may not read the participants table
     */
    public String json(String user, String participantId) {
        return write(of(user, participantId));
    }

    public static String write(Map<String, Object> phenopacket) {
        try {
            return JSON.writeValueAsString(phenopacket);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The phenopacket as a JSON-shaped map. */
    public Map<String, Object> of(String user, String participantId) {
        if (participantId == null || !ID.matcher(participantId).matches()) {
            throw new ValidationException("phenopacket: '" + participantId + "' is not a participant_id of this project (the"
                    + " hexadecimal pseudonym its tables hold)");
        }
        Map<String, EnclaveSession.TableView> tables = new LinkedHashMap<>();
        for (EnclaveSession.TableView t : session.describe(user)) {
            tables.put(t.name(), t);
        }
        if (!tables.containsKey("participants")) {
            throw new AccessDeniedException(user + " may not read the participants of project " + projectId + ", which a phenopacket"
                    + " is made from");
        }
        List<Map<String, Object>> person = rows(user, tables.get("participants"), participantId);
        if (person.isEmpty()) {
            throw new NotFoundException("no participant " + participantId + " among those you may see in project " + projectId);
        }
        Map<String, Object> p = person.get(0);
        Map<String, Object> subject = new LinkedHashMap<>();
        subject.put("id", participantId);
        subject.put("sex", switch (String.valueOf(p.get("sex"))) {
            case "F" -> "FEMALE";
            case "M" -> "MALE";
            default -> "UNKNOWN_SEX";
        });
        ageRange(p.get("age_band")).ifPresent(r -> subject.put("timeAtLastEncounter", Map.of("ageRange", r)));

        List<Map<String, Object>> diseases = new ArrayList<>();
        Icd10Catalog icd10 = Icd10Catalog.builtIn();
        if (tables.containsKey("diagnoses")) {
            for (Map<String, Object> d : rows(user, tables.get("diagnoses"), participantId)) {
                Object code = d.get("icd10");
                if (code == null) {
                    continue;
                }
                Map<String, Object> term = new LinkedHashMap<>();
                term.put("id", "ICD10:" + code);
                List<Icd10Catalog.Entry> path = icd10.path(code.toString());
                term.put("label", path.isEmpty() ? code.toString() : path.get(path.size() - 1).title());
                Map<String, Object> disease = new LinkedHashMap<>();
                disease.put("term", term);
                timestamp(d.get("diagnosed_on")).ifPresent(t -> disease.put("onset", Map.of("timestamp", t)));
                diseases.add(disease);
            }
        }
        List<Map<String, Object>> biosamples = new ArrayList<>();
        if (tables.containsKey("samples")) {
            for (Map<String, Object> s : rows(user, tables.get("samples"), participantId)) {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("id", String.valueOf(s.getOrDefault("sample_id", "")));
                b.put("individualId", participantId);
                if (s.get("sample_type") != null) {
                    b.put("sampleType", Map.of("id", "enclave:" + s.get("sample_type"), "label", String.valueOf(s.get("sample_type"))));
                }
                if (s.get("age_at_collection") instanceof Number age) {
                    b.put("timeOfCollection", Map.of("age", Map.of("iso8601duration", "P" + age.intValue() + "Y")));
                } else {
                    timestamp(s.get("collected_on")).ifPresent(t -> b.put("timeOfCollection", Map.of("timestamp", t)));
                }
                List<String> where = new ArrayList<>();
                if (s.get("biobank") != null) {
                    where.add("biobank: " + s.get("biobank"));
                }
                if (s.get("storage_temperature") != null) {
                    where.add("stored at " + s.get("storage_temperature"));
                }
                if (!where.isEmpty()) {
                    b.put("description", String.join("; ", where));
                }
                biosamples.add(b);
            }
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("created", clock.instant().toString());
        meta.put("createdBy", "enclave (project " + projectId + ")");
        meta.put("submittedBy", user);
        meta.put("resources", List.of(
                Map.of("id", "icd10", "name", "International Statistical Classification of Diseases and Related Health Problems 10th Revision",
                        "url", "https://icd.who.int/browse10/2019/en", "version", "2019", "namespacePrefix", "ICD10",
                        "iriPrefix", "https://icd.who.int/browse10/2019/en#/"),
                Map.of("id", "enclave", "name", "The enclave's sample types", "url", "https://enclave.invalid/sample-types",
                        "version", "1", "namespacePrefix", "enclave", "iriPrefix", "https://enclave.invalid/sample-types#")));
        meta.put("phenopacketSchemaVersion", "2.0");

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", projectId + "-" + participantId);
        out.put("subject", subject);
        if (!diseases.isEmpty()) {
            out.put("diseases", diseases);
        }
        if (!biosamples.isEmpty()) {
            out.put("biosamples", biosamples);
        }
        out.put("metaData", meta);
        return out;
    }

    /** The rows of one participant in a table, of the columns the member may see (masked ones as masked). */
    private List<Map<String, Object>> rows(String user, EnclaveSession.TableView table, String participantId) {
        List<String> columns = table.columns().stream().filter(c -> c.access() != EnclaveSession.Access.DENIED)
                .map(EnclaveSession.ColumnView::name).toList();
        if (!columns.contains("participant_id")) {
            return List.of();
        }
        // the id is checked hexadecimal above: a literal, not an injection
        StatementResult r = session.execute(user, "SELECT " + String.join(", ", columns.stream().map(c -> "`" + c + "`").toList())
                + " FROM " + table.name() + " WHERE participant_id = '" + participantId + "'");
        if (!r.isOk()) {
            throw new AccessDeniedException(r.message());
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (List<Object> row : r.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < r.columns().size(); i++) {
                m.put(r.columns().get(i).toLowerCase(Locale.ROOT), row.get(i));
            }
            out.add(m);
        }
        return out;
    }

    private static Optional<Map<String, Object>> ageRange(Object band) {
        if (band == null) {
            return Optional.empty();
        }
        var m = Pattern.compile("([0-9]+)-([0-9]+)").matcher(band.toString());
        if (m.matches()) {
            return Optional.of(Map.of("start", Map.of("iso8601duration", "P" + m.group(1) + "Y"), "end",
                    Map.of("iso8601duration", "P" + m.group(2) + "Y")));
        }
        var plus = Pattern.compile("([0-9]+)\\+").matcher(band.toString());
        return plus.matches() ? Optional.of(Map.of("start", Map.of("iso8601duration", "P" + plus.group(1) + "Y"))) : Optional.empty();
    }

    private static Optional<String> timestamp(Object date) {
        if (date instanceof LocalDate d) {
            return Optional.of(d + "T00:00:00Z");
        }
        if (date instanceof java.sql.Date d) {
            return Optional.of(d.toLocalDate() + "T00:00:00Z");
        }
        return date == null ? Optional.empty() : Optional.of(date.toString());
    }
}
