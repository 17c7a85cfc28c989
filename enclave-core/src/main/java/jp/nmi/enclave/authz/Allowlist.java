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
    record Document(Functions functions, List<String> expressions, List<String> planNodes, List<String> settableConfiguration) {
        @JsonCreator
        Document(@JsonProperty(value = "functions", required = true) Functions functions,
                @JsonProperty(value = "expressions", required = true) List<String> expressions,
                @JsonProperty(value = "plan_nodes", required = true) List<String> planNodes,
                @JsonProperty(value = "settable_configuration", required = true) List<String> settableConfiguration) {
            this.functions = functions;
            this.expressions = List.copyOf(expressions);
            this.planNodes = List.copyOf(planNodes);
            this.settableConfiguration = List.copyOf(settableConfiguration);
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
    private final Set<String> settable;
    private final Map<String, String> deniedFunctions;

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
        this.deniedFunctions = Map.copyOf(doc.functions().deny());
        expressionClasses.addAll(doc.expressions());
        SimpleFunctionRegistry registry = FunctionRegistry$.MODULE$.builtin();
        Set<String> groups = Set.copyOf(doc.functions().groups());
        Set<String> allowed = Set.copyOf(doc.functions().allow());
        for (FunctionIdentifier id : Scala.list(registry.listFunction())) {
            ExpressionInfo info = registry.lookupFunction(id).get();
            String name = id.funcName();
            String cls = simpleName(info.getClassName());
            functionNames.putIfAbsent(cls, name);
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

    boolean isSettable(String key) {
        return settable.contains(key);
    }

    static String simpleName(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? className : className.substring(dot + 1);
    }
}
