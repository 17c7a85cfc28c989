package jp.nmi.enclave.authz;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry$;
import org.apache.spark.sql.catalyst.analysis.SimpleFunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;

/**
 * The allowlist of governed SQL (rules as data: {@code authz/allowlist.yaml}). Functions are
 * named as analysts write them and mapped to the Catalyst classes that implement them through
 * Spark's own function registry; plan nodes and other expressions are named by class.
 */
final class Allowlist {
    /** The YAML document. Unknown keys are rejected. */
    record Document(Functions functions, List<String> expressions, List<String> planNodes, List<String> settableConfiguration,
            List<String> controlConfiguration, Map<String, DataSourceRule> dataSources, List<String> metadataCommands, Map<String, String> denialReasons,
            Map<String, String> parserDenied, String defaultDenialReason) {
        @JsonCreator
        Document(@JsonProperty(value = "functions", required = true) Functions functions,
                @JsonProperty(value = "expressions", required = true) List<String> expressions,
                @JsonProperty(value = "plan_nodes", required = true) List<String> planNodes,
                @JsonProperty(value = "settable_configuration", required = true) List<String> settableConfiguration,
                @JsonProperty(value = "control_configuration", required = true) List<String> controlConfiguration,
                @JsonProperty(value = "data_sources", required = true) Map<String, DataSourceRule> dataSources,
                @JsonProperty(value = "metadata_commands", required = true) List<String> metadataCommands,
                @JsonProperty(value = "denial_reasons", required = true) Map<String, String> denialReasons,
                @JsonProperty(value = "parser_denied", required = true) Map<String, String> parserDenied,
                @JsonProperty(value = "default_denial_reason", required = true) String defaultDenialReason) {
            this.functions = functions;
            this.expressions = List.copyOf(expressions);
            this.planNodes = List.copyOf(planNodes);
            this.settableConfiguration = List.copyOf(settableConfiguration);
            this.controlConfiguration = List.copyOf(controlConfiguration);
            this.dataSources = Map.copyOf(dataSources);
            this.metadataCommands = List.copyOf(metadataCommands);
            this.denialReasons = Map.copyOf(denialReasons);
            this.parserDenied = Map.copyOf(parserDenied);
            this.defaultDenialReason = defaultDenialReason;
        }
    }

    /** Where a data source may be used. */
    enum DataSourceUse {
        WORKSPACE_TABLE, OUTBOX_DIRECTORY;

        @com.fasterxml.jackson.annotation.JsonCreator
        static DataSourceUse of(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One data source: the classes its names resolve to, where it may be used, and its options
     * with the pattern each value must match in full.
     */
    record DataSourceRule(List<String> classes, Set<DataSourceUse> uses, Map<String, java.util.regex.Pattern> options) {
        @JsonCreator
        static DataSourceRule of(@JsonProperty(value = "classes", required = true) List<String> classes,
                @JsonProperty(value = "uses", required = true) Set<DataSourceUse> uses,
                @JsonProperty(value = "options", required = true) Map<String, String> options) {
            return new DataSourceRule(List.copyOf(classes), Set.copyOf(uses), compile(options));
        }

        private static Map<String, java.util.regex.Pattern> compile(Map<String, String> options) {
            Map<String, java.util.regex.Pattern> out = new HashMap<>();
            options.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), java.util.regex.Pattern.compile(v)));
            return Map.copyOf(out);
        }
    }

    record Functions(List<String> groups, List<String> allow, Map<String, String> deny) {
        @JsonCreator
        Functions(@JsonProperty(value = "groups", required = true) List<String> groups,
                @JsonProperty(value = "allow", required = true) List<String> allow,
                @JsonProperty(value = "deny", required = true) Map<String, String> deny) {
            this.groups = List.copyOf(groups);
            this.allow = List.copyOf(allow);
            this.deny = Map.copyOf(deny);
        }
    }

    private final Set<String> planNodes;
    private final Set<String> expressionClasses = new HashSet<>();
    /** Implementation class (simple name) of a denied function, to the function name and reason. */
    private final Map<String, String[]> deniedClasses = new HashMap<>();
    /** Implementation class (simple name) of every registry function, to its name: for messages. */
    private final Map<String, String> functionNames = new HashMap<>();
    /** Every registry function's name to its implementation class (simple name). */
    private final Map<String, String> registryClasses = new HashMap<>();
    private final Set<String> settable;
    private final List<String> controlConfiguration;
    private final Map<String, String> deniedFunctions;
    /** Data source class name to its name in the allowlist and its rule. */
    private final Map<String, Map.Entry<String, DataSourceRule>> dataSourceClasses = new HashMap<>();
    private final Set<String> metadataCommands;
    private final Map<String, String> denialReasons;
    private final Map<String, String> parserDenied;
    private final String defaultDenialReason;

    /** Expression classes of denied functions whose registry entry names a builder instead. */
    private static final Map<String, String> BUILT_CLASSES = Map.of(
            "raise_error", "RaiseError",
            "assert_true", "AssertTrue",
            "from_protobuf", "ProtobufDataToCatalyst",
            "to_protobuf", "CatalystDataToProtobuf",
            "from_avro", "AvroDataToCatalyst",
            "to_avro", "CatalystDataToAvro");

    private Allowlist(Document doc) {
        this.planNodes = Set.copyOf(doc.planNodes());
        this.settable = Set.copyOf(doc.settableConfiguration());
        this.controlConfiguration = doc.controlConfiguration();
        for (String key : settable) {
            if (controlConfiguration.stream().anyMatch(key::startsWith)) {
                throw new IllegalStateException("the allowlist makes " + key + " settable, but it is one of the controls (control_configuration)");
            }
        }
        this.deniedFunctions = Map.copyOf(doc.functions().deny());
        this.metadataCommands = Set.copyOf(doc.metadataCommands());
        this.denialReasons = doc.denialReasons();
        this.parserDenied = doc.parserDenied();
        this.defaultDenialReason = doc.defaultDenialReason();
        doc.dataSources().forEach((name, rule) -> rule.classes().forEach(c -> dataSourceClasses.put(c, Map.entry(name, rule))));
        expressionClasses.addAll(doc.expressions());
        SimpleFunctionRegistry registry = FunctionRegistry$.MODULE$.builtin();
        Set<String> groups = Set.copyOf(doc.functions().groups());
        Set<String> allowed = Set.copyOf(doc.functions().allow());
        for (FunctionIdentifier id : Scala.list(registry.listFunction())) {
            ExpressionInfo info = registry.lookupFunction(id).get();
            String name = id.funcName();
            String cls = simpleName(info.getClassName());
            functionNames.putIfAbsent(cls, name);
            registryClasses.put(name.toLowerCase(java.util.Locale.ROOT), cls);
            if (doc.functions().deny().containsKey(name)) {
                deniedClasses.put(cls, new String[] {name, doc.functions().deny().get(name)});
            } else if (groups.contains(info.getGroup()) || allowed.contains(name)) {
                expressionClasses.add(cls);
            }
        }
        // Functions built by a builder register the builder's class; deny the expressions they build too.
        for (Map.Entry<String, String> d : doc.functions().deny().entrySet()) {
            String builtClass = BUILT_CLASSES.get(d.getKey());
            if (builtClass != null) {
                deniedClasses.put(builtClass, new String[] {d.getKey(), d.getValue()});
            }
        }
        // A class denied under one name stays denied under every other (reflect = java_method).
        expressionClasses.removeAll(deniedClasses.keySet());
    }

    static Allowlist load() {
        try (InputStream in = Allowlist.class.getResourceAsStream("/authz/allowlist.yaml")) {
            if (in == null) {
                throw new IllegalStateException("authz/allowlist.yaml is missing from the classpath");
            }
            return parse(in, "authz/allowlist.yaml");
        } catch (IOException e) {
            throw new IllegalStateException("authz/allowlist.yaml cannot be read: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalStateException naming the problem if the document is not a valid allowlist */
    static Allowlist parse(InputStream in, String name) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            return new Allowlist(yaml.readValue(in, Document.class));
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IllegalStateException(name + " is not a valid allowlist: " + detail, e);
        }
    }

    boolean isAllowedPlanNode(String simpleName) {
        return planNodes.contains(simpleName);
    }

    boolean isAllowedExpression(String simpleName) {
        return expressionClasses.contains(simpleName);
    }

    /** The function name and reason if the class implements a denied function. */
    Optional<String[]> denial(String simpleName) {
        return Optional.ofNullable(deniedClasses.get(simpleName));
    }

    /** The name analysts know a class by (its registry name), or the class name. */
    String displayName(String simpleName) {
        return functionNames.getOrDefault(simpleName, simpleName);
    }

    /** Denied function names and why: the enclave registers a refusing function under each name. */
    Map<String, String> deniedFunctions() {
        return deniedFunctions;
    }

    boolean isMetadataCommand(String simpleName) {
        return metadataCommands.contains(simpleName);
    }

    /** Why a parsed node of class {@code simpleName} is refused before analysis, if it is. */
    Optional<String> parserDenial(String simpleName) {
        return Optional.ofNullable(parserDenied.get(simpleName));
    }

    /** The reason the allowlist gives for denying {@code simpleName}, if it names one. */
    Optional<String> specificDenialReason(String simpleName) {
        return Optional.ofNullable(denialReasons.get(simpleName));
    }

    /** Why the operation {@code simpleName} is denied: its own reason, or the generic one. */
    String denialReason(String simpleName) {
        return denialReasons.getOrDefault(simpleName, defaultDenialReason);
    }

    /**
     * The allowlist's name and rule of the data source class {@code className} (as Spark resolved
     * a name a statement gave), if it is on the allowlist.
     */
    Optional<Map.Entry<String, DataSourceRule>> dataSource(String className) {
        return Optional.ofNullable(dataSourceClasses.get(className));
    }

    /** Whether {@code name} is a name a statement may give a data source: its allowlist name or one of its classes. */
    boolean isDataSourceName(String name) {
        String n = name.strip();
        return dataSourceClasses.containsKey(n)
                || dataSourceClasses.values().stream().anyMatch(e -> e.getKey().equalsIgnoreCase(n));
    }

    /**
     * Why a function a statement names is refused, if it is a function of Spark's registry (or the
     * enclave's) that is not allowed; empty for allowed and unknown names (Spark says what is
     * unknown). Screened before analysis, which folds some expressions (a {@code VALUES} row, a
     * {@code LIMIT}) before any check rule sees them.
     */
    Optional<String> functionNameDenial(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (deniedFunctions.containsKey(n)) {
            return Optional.of(deniedFunctions.get(n));
        }
        String cls = registryClasses.get(n);
        if (cls != null && !expressionClasses.contains(cls)) {
            return Optional.of(deniedClasses.containsKey(cls) ? deniedClasses.get(cls)[1] : "it is not on the enclave's allowlist");
        }
        return Optional.empty();
    }

    /** The allowlist's data source names, for messages. */
    List<String> dataSourceNames() {
        return dataSourceClasses.values().stream().map(Map.Entry::getKey).distinct().sorted().toList();
    }

    /** The names of the data sources allowed for {@code use}, for messages. */
    List<String> dataSourcesFor(DataSourceUse use) {
        return dataSourceClasses.values().stream().filter(e -> e.getValue().uses().contains(use)).map(Map.Entry::getKey)
                .distinct().sorted().toList();
    }

    boolean isSettable(String key) {
        return settable.contains(key);
    }

    /** Why {@code key} may not be set: it is one of the controls, or simply not among the settable keys. */
    String configurationDenial(String key) {
        return controlConfiguration.stream().anyMatch(key::startsWith) ? "it could switch off the enclave's controls"
                : "only " + String.join(", ", new java.util.TreeSet<>(settable)) + " may be set";
    }

    static String simpleName(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? className : className.substring(dot + 1);
    }
}
