package jp.nmi.enclave.pseudonym;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * Keyed pseudonyms: {@code hex(HMAC-SHA256(key, domain + ":" + id))}.
 *
 * <p>A plain hash of an identifier is not a pseudonym: patient numbers are short and structured, so
 * anyone can hash every candidate and read the table backwards. With a secret key, nobody without
 * the key can compute or reverse a pseudonym. The domain separates kinds of identifiers (a patient
 * and a sample with the same number get unrelated pseudonyms). The same key and domain always give
 * the same pseudonym, so records of one person stay linked; another key gives unrelated values.
 *
 * <p>Thread-safe.
 */
public final class Pseudonymizer {
    public static final String PARTICIPANT = "participant";
    public static final String SAMPLE = "sample";

    private final SecretKey key;
    private final byte[] prefix;
    private final ThreadLocal<Mac> mac;

    public Pseudonymizer(SecretKey key, String domain) {
        this.key = requireNonNull(key, "key is null");
        this.prefix = (requireNonNull(domain, "domain is null") + ":").getBytes(StandardCharsets.UTF_8);
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    /** The pseudonym of {@code id}: 64 lower-case hex characters. */
    public String pseudonym(String id) {
        requireNonNull(id, "id is null");
        Mac m = mac.get();
        m.update(prefix);
        return HexFormat.of().formatHex(m.doFinal(id.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "Pseudonymizer[" + new String(prefix, StandardCharsets.UTF_8) + "]";
    }
}
