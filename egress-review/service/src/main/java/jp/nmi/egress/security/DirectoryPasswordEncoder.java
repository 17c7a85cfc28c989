package jp.nmi.egress.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.directory.PasswordHash;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Verifies passwords against the enclave directory's PBKDF2 hashes. HTTP Basic sends the password
 * with every API call and PBKDF2 is deliberately slow, so a successful verification is remembered
 * for a few minutes under a SHA-256 of (stored hash, password) — never the password itself — and
 * forgotten when the stored hash changes. Failures are never cached.
 */
final class DirectoryPasswordEncoder implements PasswordEncoder {
    private static final Duration TTL = Duration.ofMinutes(5);
    private final ConcurrentHashMap<String, Instant> verified = new ConcurrentHashMap<>();
    private final Clock clock;

    DirectoryPasswordEncoder(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String encode(CharSequence raw) {
        return PasswordHash.hash(raw.toString().toCharArray());
    }

    @Override
    public boolean matches(CharSequence raw, String stored) {
        if (raw == null || stored == null) {
            return false;
        }
        String key = key(stored, raw);
        Instant until = verified.get(key);
        Instant now = clock.instant();
        if (until != null && until.isAfter(now)) {
            return true;
        }
        boolean ok = PasswordHash.matches(raw.toString().toCharArray(), stored);
        if (ok) {
            if (verified.size() > 10_000) {
                verified.clear();
            }
            verified.put(key, now.plus(TTL));
        }
        return ok;
    }

    private static String key(String stored, CharSequence raw) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(stored.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(raw.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
