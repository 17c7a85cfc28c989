package jp.nmi.enclave.authz;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Option;

/**
 * The keyed pseudonym masks use (MASK_HASH) instead of an unsalted hash, which anyone could compute
 * for every candidate identifier: {@code hex(HMAC-SHA256(project key, "mask:" + value))}. Masks
 * name it {@code enclave_pseudonym(col)}; the enclave builds it itself inside the policy wrapper.
 * Analysts cannot call it: computing it for values of their choosing would reverse any masked
 * column with few values (the name is a refusing stand-in for them, and the check rule denies a
 * method call anywhere in their plan). Its domain ({@code "mask:"}) differs from the one the
 * extract's re-keyed identifiers use ({@code "project:"}), so a masked value never equals an
 * identifier of the project.
 *
 * <p>The key never appears in a plan: the expression carries only a handle, resolved in the
 * executing JVM from keys registered by the enclave (local mode) or from the redacted Spark
 * configuration entry {@code spark.enclave.secret.key.<handle>} (cluster mode).
 */
public final class PseudonymFunction {
    public static final String NAME = "enclave_pseudonym";
    static final String CONF_PREFIX = "spark.enclave.secret.key.";
    private static final Map<String, SecretKey> KEYS = new ConcurrentHashMap<>();
    private static final ThreadLocal<Map<String, Mac>> MACS = ThreadLocal.withInitial(java.util.HashMap::new);

    private PseudonymFunction() {}

    /** The Spark configuration entry that carries the key under {@code handle} to executors in other JVMs. */
    public static String confKey(String handle) {
        return CONF_PREFIX + handle;
    }

    /** Makes {@code key} available under {@code handle} in this JVM. */
    public static void register(String handle, SecretKey key) {
        KEYS.put(handle, new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
        MACS.remove();
    }

    private static final byte[] DOMAIN = "mask:".getBytes(StandardCharsets.UTF_8);

    /** Called by generated code through StaticInvoke. */
    public static UTF8String pseudonym(UTF8String handle, UTF8String value) {
        if (value == null) {
            return null;
        }
        Mac mac = MACS.get().computeIfAbsent(handle.toString(), PseudonymFunction::newMac);
        mac.update(DOMAIN);
        return UTF8String.fromString(HexFormat.of().formatHex(mac.doFinal(value.getBytes())));
    }

    private static Mac newMac(String handle) {
        SecretKey key = KEYS.get(handle);
        if (key == null && SparkEnv.get() != null) {
            Option<String> encoded = SparkEnv.get().conf().getOption(CONF_PREFIX + handle);
            if (encoded.isDefined()) {
                key = new SecretKeySpec(Base64.getDecoder().decode(encoded.get()), "HmacSHA256");
                KEYS.put(handle, key);
            }
        }
        if (key == null) {
            // No key, no pseudonym: fail the query rather than emit anything.
            throw new AccessDeniedException("no pseudonym key is available for " + handle + " in this JVM");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static StaticInvoke invoke(String handle, Expression argument) {
        Expression asString = new Cast(argument, DataTypes.StringType, Option.empty());
        return new StaticInvoke(PseudonymFunction.class, DataTypes.StringType, "pseudonym",
                Scala.seq(List.of(Literal.create(UTF8String.fromString(handle), DataTypes.StringType), asString)),
                Scala.<AbstractDataType>seq(List.of()), true, true, true, Option.empty());
    }

    /**
     * {@code e} with every call of {@code enclave_pseudonym} a policy expression makes replaced by
     * the keyed function itself, bound to {@code handle}.
     */
    static Expression bind(Expression e, String handle) {
        return e.transform(Scala.on(org.apache.spark.sql.catalyst.analysis.UnresolvedFunction.class, f -> {
            if (f.nameParts().size() != 1 || !NAME.equalsIgnoreCase(f.nameParts().head())) {
                return f;
            }
            List<Expression> args = Scala.list(f.arguments());
            if (args.size() != 1) {
                throw new AccessDeniedException("a mask calls " + NAME + " with " + args.size() + " arguments; it takes one");
            }
            return invoke(handle, args.get(0));
        }));
    }
}
