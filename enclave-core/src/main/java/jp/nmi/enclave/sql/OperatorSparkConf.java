package jp.nmi.enclave.sql;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.ValidationException;

/**
 * The Spark settings operators may give a project's session on a cluster (rules as data:
 * {@code sql/operator-spark-conf.yaml}): each allowed key exactly, with the pattern its whole value
 * must match. No prefixes: a prefix would admit keys that name classes, jars, images or addresses.
 */
public record OperatorSparkConf(Map<String, String> allowed) {
    /** The flags Spark needs on Java 17 (infra/jvm/java17.options), for executors the enclave's sessions start. */
    public static final List<String> EXECUTOR_JAVA_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true", "-Dfile.encoding=UTF-8",
            "-Djava.net.preferIPv4Stack=true");

    private static final String RESOURCE = "/sql/operator-spark-conf.yaml";
    private static volatile OperatorSparkConf loaded;

    public OperatorSparkConf {
        allowed = Map.copyOf(allowed);
        for (Map.Entry<String, String> e : allowed.entrySet()) {
            Pattern.compile(e.getValue()); // a bad pattern fails at load, not when a value is checked
        }
    }

    public static OperatorSparkConf load() {
        OperatorSparkConf c = loaded;
        if (c == null) {
            try (InputStream in = OperatorSparkConf.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the classpath");
                }
                c = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .readValue(in, OperatorSparkConf.class);
            } catch (IOException e) {
                throw new IllegalStateException(RESOURCE + " cannot be read: " + e.getMessage(), e);
            }
            loaded = c;
        }
        return c;
    }

    /** Whether operators may set {@code key} (to some value). */
    public boolean allows(String key) {
        return allowed.containsKey(key);
    }

    /**
     * @throws ValidationException naming every key that is not allowed, and every value that does not match its key's pattern
     */
    public void check(Map<String, String> conf) {
        TreeSet<String> refused = new TreeSet<>();
        List<String> badValues = new ArrayList<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(conf).entrySet()) {
            String pattern = allowed.get(e.getKey());
            if (pattern == null) {
                refused.add(e.getKey());
            } else if (e.getValue() == null || !e.getValue().matches(pattern)) {
                badValues.add(e.getKey() + " must match " + pattern);
            }
        }
        if (!refused.isEmpty()) {
            throw new ValidationException("Spark setting(s) " + refused + " may not be set by operators: a project's session takes only"
                    + " " + String.join(", ", new TreeSet<>(allowed.keySet())) + " (sql/operator-spark-conf.yaml)");
        }
        if (!badValues.isEmpty()) {
            throw new ValidationException("Spark setting(s) with a value not allowed: " + String.join("; ", badValues));
        }
    }
}
