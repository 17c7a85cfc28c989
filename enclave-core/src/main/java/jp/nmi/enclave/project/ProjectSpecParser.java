package jp.nmi.enclave.project;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import jp.nmi.enclave.dataset.DatasetSchemas;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.ingest.Icd10;

/**
 * Reads and validates a project spec. Every problem is reported with the file, the line, the
 * field (as a path such as {@code members[1].affiliation}) and what is wrong; the first problem
 * stops parsing, and nothing is applied from a spec that does not parse.
 */
public final class ProjectSpecParser {
    static final Set<String> PURPOSES = Set.of("GRU", "HMB", "DS", "POA");
    static final Set<String> ROLES = Set.of("lead", "analyst");
    static final Set<String> AFFILIATIONS = Set.of("academic", "industry");
    /** Ranger's mask types, and DENY (the column is not granted at all). */
    static final Set<String> MASKS = java.util.stream.Stream.concat(jp.nmi.enclave.policy.MaskType.names().stream(),
            java.util.stream.Stream.of(ProjectSpec.MaskRule.DENY)).collect(java.util.stream.Collectors.toUnmodifiableSet());
    static final Set<String> PROFILES = Set.copyOf(jp.nmi.egress.disclosure.Profile.NAMES);
    static final List<String> AGE_BANDS = jp.nmi.enclave.dataset.AgeBands.labels();
    static final List<String> REGIONS = jp.nmi.enclave.dataset.Region.labels();
    static final Set<String> PERSON_TABLES = Set.of("participants", "diagnoses", "samples", "lab_results", "clinical_notes", "genotypes");
    private static final Pattern ID = Pattern.compile("[A-Z][A-Z0-9-]{1,31}");
    private static final Pattern USER = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern MONDO = Pattern.compile("MONDO:[0-9]{7}");

    private final String file;
    private final Map<String, Integer> lines;

    private ProjectSpecParser(String file, Map<String, Integer> lines) {
        this.file = file;
        this.lines = lines;
    }

    /** @throws ValidationException naming the file, line and field of the first problem */
    public static ProjectSpec parse(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ValidationException("project spec " + path + " does not exist");
        } catch (IOException e) {
            throw new ValidationException("cannot read project spec " + path + ": " + e.getMessage());
        }
        return parse(text, path.getFileName().toString());
    }

    /** A YAML syntax error as an operator reads it: file, line and column, the problem; no parser internals. */
    static String yamlError(String fileName, JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                // where the construct that went wrong starts (a key without its ':'), else where the parser noticed
                var mark = m.getContextMark() != null ? m.getContextMark() : m.getProblemMark();
                return fileName + " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": not valid YAML: "
                        + m.getProblem() + (m.getContext() == null ? "" : " (" + m.getContext() + ")");
            }
        }
        String first = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
        return fileName + " line " + (e.getLocation() == null ? 1 : e.getLocation().getLineNr()) + ": not valid YAML: " + first;
    }

    public static ProjectSpec parse(String yaml, String fileName) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root;
        try {
            try (JsonParser p = mapper.getFactory().createParser(yaml)) {
                for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                    String pointer = p.getParsingContext().pathAsPointer().toString();
                    lines.putIfAbsent(pointer, p.currentTokenLocation().getLineNr());
                }
            }
            root = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ValidationException(yamlError(fileName, e));
        } catch (IOException e) {
            throw new ValidationException(fileName + ": cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ValidationException(fileName + " line 1: a project spec is a mapping of fields (id, title, purpose, ...)");
        }
        return new ProjectSpecParser(fileName, lines).spec(root);
    }

    private ProjectSpec spec(JsonNode root) {
        fields(root, "", Set.of("id", "title", "purpose", "approval", "start", "end", "members", "datasets", "cohort", "masks",
                "disclosure_profile", "regulatory", "genomics", "register"));
        String id = text(root, "/id", "id");
        if (!ID.matcher(id).matches()) {
            throw fail("/id", "id", "'" + id + "' is not a project id (upper-case letters, digits and '-', e.g. DEMO-1)");
        }
        String title = text(root, "/title", "title");
        JsonNode purposeNode = object(root, "/purpose", "purpose");
        fields(purposeNode, "/purpose", Set.of("code", "disease", "commercial"));
        String code = oneOf(purposeNode, "/purpose/code", "purpose.code", PURPOSES);
        String disease = optionalText(purposeNode, "/purpose/disease", "purpose.disease");
        if (code.equals("DS") && (disease == null || !MONDO.matcher(disease).matches())) {
            throw fail(code.equals("DS") && disease == null ? "/purpose/code" : "/purpose/disease", "purpose.disease",
                    "a disease-specific (DS) purpose needs the disease as a MONDO term, e.g. MONDO:0007254");
        }
        if (!code.equals("DS") && disease != null) {
            throw fail("/purpose/disease", "purpose.disease", "only a disease-specific (DS) purpose names a disease");
        }
        boolean commercial = bool(purposeNode, "/purpose/commercial", "purpose.commercial");
        JsonNode approvalNode = object(root, "/approval", "approval");
        fields(approvalNode, "/approval", Set.of("reference", "date"));
        ProjectSpec.Approval approval = new ProjectSpec.Approval(text(approvalNode, "/approval/reference", "approval.reference"),
                date(approvalNode, "/approval/date", "approval.date"));
        LocalDate start = date(root, "/start", "start");
        LocalDate end = date(root, "/end", "end");
        if (end.isBefore(start)) {
            throw fail("/end", "end", end + " is before start " + start);
        }
        if (approval.date().isAfter(start)) {
            throw fail("/approval/date", "approval.date", approval.date() + " is after the start " + start
                    + "; access cannot begin before the committee approved it");
        }
        List<jp.nmi.enclave.project.ProjectMember> members = members(root);
        Map<String, List<String>> datasets = datasets(root);
        ProjectSpec.Cohort cohort = cohort(root);
        List<ProjectSpec.MaskRule> masks = masks(root, datasets, members);
        String profile = oneOf(root, "/disclosure_profile", "disclosure_profile", PROFILES);
        return new ProjectSpec(id, title, new ProjectSpec.Purpose(code, disease, commercial), approval, start, end, members, datasets,
                cohort, masks, profile, regulatory(root), genomics(root, datasets), register(root, members));
    }

    /** The optional register section: a summary, the organisations, and what the public register withholds. */
    private ProjectSpec.Register register(JsonNode root, List<jp.nmi.enclave.project.ProjectMember> members) {
        if (!root.has("register")) {
            return null;
        }
        JsonNode node = object(root, "/register", "register");
        fields(node, "/register", Set.of("summary", "organisations", "confidential"));
        String summary = optionalText(node, "/register/summary", "register.summary");
        List<ProjectSpec.Organisation> organisations = new ArrayList<>();
        if (node.has("organisations")) {
            JsonNode list = array(node, "/register/organisations", "register.organisations");
            for (int i = 0; i < list.size(); i++) {
                String at = "/register/organisations/" + i;
                JsonNode o = list.get(i);
                if (!o.isObject()) {
                    throw fail(at, "register.organisations[" + i + "]", "is not a mapping (name, kind)");
                }
                fields(o, at, Set.of("name", "kind"));
                organisations.add(new ProjectSpec.Organisation(text(o, at + "/name", "register.organisations[" + i + "].name"),
                        oneOf(o, at + "/kind", "register.organisations[" + i + "].kind", Set.of("academic", "industry"))));
            }
            // the register must not hide an industry partner behind an academic list (or the other way round)
            for (jp.nmi.enclave.project.ProjectMember m : members) {
                if (organisations.stream().noneMatch(o -> o.kind().equals(m.affiliation()))) {
                    throw fail("/register/organisations", "register.organisations", "names no " + m.affiliation()
                            + " organisation, but the project has " + m.affiliation() + " members");
                }
            }
        }
        List<String> confidential = node.has("confidential") ? strings(node, "/register/confidential", "register.confidential") : List.of();
        checkAll(confidential, ProjectSpec.Register.WITHHOLDABLE, "/register/confidential", "register.confidential");
        return new ProjectSpec.Register(summary, organisations, confidential);
    }

    /** The optional genomics section: the allele-frequency query budget per member. */
    private ProjectSpec.Genomics genomics(JsonNode root, Map<String, List<String>> datasets) {
        if (!root.has("genomics")) {
            return null;
        }
        JsonNode node = object(root, "/genomics", "genomics");
        fields(node, "/genomics", Set.of("af_query_budget"));
        if (!datasets.containsKey("genotypes")) {
            throw fail("/genomics", "genomics", "the project's datasets do not include genotypes");
        }
        JsonNode budget = node.get("af_query_budget");
        if (budget == null || !budget.canConvertToInt() || !budget.isIntegralNumber() || budget.intValue() < 0 || budget.intValue() > 100_000) {
            throw fail("/genomics/af_query_budget", "genomics.af_query_budget", "is not a whole number from 0 to 100000 (strata per member)");
        }
        return new ProjectSpec.Genomics(budget.intValue());
    }

    /** The optional regulatory section: what the submission is for, and to which regulators. */
    private jp.nmi.enclave.project.RegulatoryDeclaration regulatory(JsonNode root) {
        if (!root.has("regulatory")) {
            return null;
        }
        JsonNode node = object(root, "/regulatory", "regulatory");
        fields(node, "/regulatory", Set.of("purpose", "destinations"));
        String purpose = text(node, "/regulatory/purpose", "regulatory.purpose");
        JsonNode list = array(node, "/regulatory/destinations", "regulatory.destinations");
        if (list.isEmpty()) {
            throw fail("/regulatory/destinations", "regulatory.destinations", "name at least one regulator (" + Regulator.codes() + ")");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "/regulatory/destinations/" + i;
            String code = list.get(i).isTextual() ? list.get(i).asText() : "";
            if (Regulator.of(code).isEmpty()) {
                throw fail(at, "regulatory.destinations[" + i + "]", "'" + list.get(i).asText() + "' is not a regulator the enclave may"
                        + " provide data to (one of " + Regulator.codes() + ")");
            }
            if (out.contains(code)) {
                throw fail(at, "regulatory.destinations[" + i + "]", code + " is named twice");
            }
            out.add(code);
        }
        return new jp.nmi.enclave.project.RegulatoryDeclaration(purpose, out);
    }

    /** Most members a project can have: see {@link #members}. */
    public static final int MAX_MEMBERS = 25;

    private List<jp.nmi.enclave.project.ProjectMember> members(JsonNode root) {
        JsonNode list = array(root, "/members", "members");
        if (list.isEmpty()) {
            throw fail("/members", "members", "a project needs at least one member");
        }
        if (list.size() > MAX_MEMBERS) {
            // Each member is a named-user entry in the ACLs of the project's directories, and HDFS
            // holds at most 32 entries per ACL (owner, group, other, mask and the egress service take five).
            throw fail("/members", "members", "has " + list.size() + " members; a project has at most " + MAX_MEMBERS
                    + " (HDFS allows 32 entries per ACL and each member is one): split the work into projects");
        }
        List<jp.nmi.enclave.project.ProjectMember> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "/members/" + i;
            String name = "members[" + i + "]";
            JsonNode m = list.get(i);
            if (!m.isObject()) {
                throw fail(at, name, "is not a mapping of user, role and affiliation");
            }
            fields(m, at, Set.of("user", "role", "affiliation"));
            String user = text(m, at + "/user", name + ".user");
            if (!USER.matcher(user).matches()) {
                throw fail(at + "/user", name + ".user", "'" + user + "' is not a user name (lower-case letters, digits, '_', '-')");
            }
            if (!seen.add(user)) {
                throw fail(at + "/user", name + ".user", user + " is listed twice");
            }
            out.add(new jp.nmi.enclave.project.ProjectMember(user, oneOf(m, at + "/role", name + ".role", ROLES),
                    oneOf(m, at + "/affiliation", name + ".affiliation", AFFILIATIONS)));
        }
        return out;
    }

    private Map<String, List<String>> datasets(JsonNode root) {
        JsonNode node = object(root, "/datasets", "datasets");
        if (node.isEmpty()) {
            throw fail("/datasets", "datasets", "no dataset is approved");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = "/datasets/" + e.getKey();
            String name = "datasets." + e.getKey();
            TableSchema schema = DatasetSchemas.byName(e.getKey()).orElseThrow(() -> fail(at, name, "'" + e.getKey()
                    + "' is not a dataset (datasets: " + String.join(", ", DatasetSchemas.ALL.stream().map(TableSchema::name).toList()) + ")"));
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw fail(at, name, "must list the approved columns explicitly (a column added later is never approved by default)");
            }
            List<String> columns = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                JsonNode c = e.getValue().get(i);
                String column = c.asText();
                if (!c.isTextual() || schema.column(column).isEmpty()) {
                    throw fail(at + "/" + i, name + "[" + i + "]", "'" + column + "' is not a column of " + schema.name() + " (columns: "
                            + String.join(", ", schema.columnNames()) + ")");
                }
                if (columns.contains(column)) {
                    throw fail(at + "/" + i, name + "[" + i + "]", column + " is listed twice");
                }
                columns.add(column);
            }
            if (PERSON_TABLES.contains(schema.name()) && !columns.contains("participant_id")) {
                throw fail(at, name, "must include participant_id (row filters and the project's pseudonyms need it)");
            }
            out.put(schema.name(), List.copyOf(columns));
        }
        return out;
    }

    private ProjectSpec.Cohort cohort(JsonNode root) {
        JsonNode node = root.get("cohort");
        if (node == null || node.isNull()) {
            return new ProjectSpec.Cohort(List.of(), List.of(), List.of(), List.of(), List.of(), "", false);
        }
        if (!node.isObject()) {
            throw fail("/cohort", "cohort", "is not a mapping (icd10, age_bands, sex, regions, sample_types, criteria, admit_widened_consent)");
        }
        fields(node, "/cohort", Set.of("icd10", "age_bands", "sex", "regions", "sample_types", "criteria", "admit_widened_consent"));
        String criteria = "";
        JsonNode c = node.get("criteria");
        if (c != null && !c.isNull()) {
            if (!c.isTextual()) {
                throw fail("/cohort/criteria", "cohort.criteria", "is not a string of discovery criteria (e.g. \"icd10=C50,sample_type=dna\")");
            }
            try {
                criteria = jp.nmi.enclave.discovery.Criteria.parse(c.asText()).toString();
            } catch (ValidationException e) {
                throw fail("/cohort/criteria", "cohort.criteria", e.getMessage().replaceFirst("^--where: ", ""));
            }
        }
        List<String> icd10 = strings(node, "/cohort/icd10", "cohort.icd10");
        for (int i = 0; i < icd10.size(); i++) {
            if (!Icd10.isValidPrefix(icd10.get(i))) {
                throw fail("/cohort/icd10/" + i, "cohort.icd10[" + i + "]", "'" + icd10.get(i)
                        + "' is not an ICD-10 code or prefix (e.g. C50, C50.9, F0)");
            }
        }
        List<String> bands = strings(node, "/cohort/age_bands", "cohort.age_bands");
        checkAll(bands, AGE_BANDS, "/cohort/age_bands", "cohort.age_bands");
        List<String> sex = strings(node, "/cohort/sex", "cohort.sex");
        checkAll(sex, List.of("F", "M"), "/cohort/sex", "cohort.sex");
        List<String> regions = strings(node, "/cohort/regions", "cohort.regions");
        checkAll(regions, REGIONS, "/cohort/regions", "cohort.regions");
        List<String> types = strings(node, "/cohort/sample_types", "cohort.sample_types");
        for (int i = 0; i < types.size(); i++) {
            if (!types.get(i).matches("[a-z][a-z0-9_]*")) {
                throw fail("/cohort/sample_types/" + i, "cohort.sample_types[" + i + "]", "'" + types.get(i) + "' is not a sample type");
            }
        }
        boolean admitWidened = node.has("admit_widened_consent")
                && bool(node, "/cohort/admit_widened_consent", "cohort.admit_widened_consent");
        return new ProjectSpec.Cohort(icd10, bands, sex, regions, types, criteria, admitWidened);
    }

    private List<ProjectSpec.MaskRule> masks(JsonNode root, Map<String, List<String>> datasets, List<jp.nmi.enclave.project.ProjectMember> members) {
        JsonNode list = root.get("masks");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw fail("/masks", "masks", "is not a list of rules (column, mask, members)");
        }
        Set<String> selectors = new java.util.HashSet<>(Set.of("all", "academic", "industry", "lead", "analyst"));
        members.forEach(m -> selectors.add(m.user()));
        List<ProjectSpec.MaskRule> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "/masks/" + i;
            String name = "masks[" + i + "]";
            JsonNode m = list.get(i);
            if (!m.isObject()) {
                throw fail(at, name, "is not a mapping of column, mask and members");
            }
            fields(m, at, Set.of("column", "mask", "members", "value"));
            String column = text(m, at + "/column", name + ".column");
            int dot = column.indexOf('.');
            if (dot < 0 || !datasets.containsKey(column.substring(0, dot)) || !datasets.get(column.substring(0, dot))
                    .contains(column.substring(dot + 1))) {
                throw fail(at + "/column", name + ".column", "'" + column + "' is not an approved column (table.column of datasets)");
            }
            String mask = oneOf(m, at + "/mask", name + ".mask", MASKS);
            String who = text(m, at + "/members", name + ".members");
            if (!selectors.contains(who)) {
                throw fail(at + "/members", name + ".members", "'" + who + "' names no one (all, academic, industry, lead, analyst,"
                        + " or a member's user name)");
            }
            String value = optionalText(m, at + "/value", name + ".value");
            if (mask.equals("CUSTOM") != (value != null)) {
                throw fail(at + (value == null ? "/mask" : "/value"), name + ".value", "a CUSTOM mask needs a value expression with {col},"
                        + " and only a CUSTOM mask has one");
            }
            out.add(new ProjectSpec.MaskRule(column, mask, who, value));
        }
        return out;
    }

    // ---- field readers: every failure names file, line and field -------------------------

    private void fields(JsonNode node, String at, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw fail(at + "/" + f, (at.isEmpty() ? "" : path(at) + ".") + f, "unknown field (expected: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private JsonNode required(JsonNode node, String at, String name) {
        String key = at.substring(at.lastIndexOf('/') + 1);
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            throw fail(at.substring(0, at.lastIndexOf('/')), name, "is missing");
        }
        return value;
    }

    private String text(JsonNode node, String at, String name) {
        JsonNode v = required(node, at, name);
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw fail(at, name, "must be a non-empty text");
        }
        return v.asText().strip();
    }

    private String optionalText(JsonNode node, String at, String name) {
        JsonNode v = node.get(at.substring(at.lastIndexOf('/') + 1));
        return v == null || v.isNull() ? null : text(node, at, name);
    }

    private String oneOf(JsonNode node, String at, String name, Set<String> allowed) {
        String v = text(node, at, name);
        if (!allowed.contains(v)) {
            throw fail(at, name, "'" + v + "' is not one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return v;
    }

    private boolean bool(JsonNode node, String at, String name) {
        JsonNode v = required(node, at, name);
        if (!v.isBoolean()) {
            throw fail(at, name, "'" + v.asText() + "' is not true or false");
        }
        return v.asBoolean();
    }

    private LocalDate date(JsonNode node, String at, String name) {
        String v = text(node, at, name);
        try {
            return LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw fail(at, name, "'" + v + "' is not a date (YYYY-MM-DD)");
        }
    }

    private JsonNode object(JsonNode node, String at, String name) {
        JsonNode v = required(node, at, name);
        if (!v.isObject()) {
            throw fail(at, name, "is not a mapping");
        }
        return v;
    }

    private JsonNode array(JsonNode node, String at, String name) {
        JsonNode v = required(node, at, name);
        if (!v.isArray()) {
            throw fail(at, name, "is not a list");
        }
        return v;
    }

    private List<String> strings(JsonNode node, String at, String name) {
        JsonNode v = node.get(at.substring(at.lastIndexOf('/') + 1));
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw fail(at, name, "is not a list");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isValueNode()) {
                throw fail(at + "/" + i, name + "[" + i + "]", "is not a value");
            }
            out.add(v.get(i).asText());
        }
        return List.copyOf(out);
    }

    private void checkAll(List<String> values, List<String> allowed, String at, String name) {
        for (int i = 0; i < values.size(); i++) {
            if (!allowed.contains(values.get(i))) {
                throw fail(at + "/" + i, name + "[" + i + "]", "'" + values.get(i) + "' is not one of " + String.join(", ", allowed));
            }
        }
    }

    private ValidationException fail(String pointer, String field, String problem) {
        Integer line = lines.get(pointer);
        String where = pointer;
        while (line == null && !where.isEmpty()) {
            where = where.substring(0, Math.max(0, where.lastIndexOf('/')));
            line = lines.get(where);
        }
        return new ValidationException(file + " line " + (line == null ? 1 : line) + ": " + field + ": " + problem);
    }

    private static String path(String pointer) {
        return pointer.substring(1).replaceAll("/(\\d+)", "[$1]").replace('/', '.');
    }
}
