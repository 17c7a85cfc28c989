package jp.nmi.enclave.db;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import jp.nmi.enclave.error.ValidationException;

/**
 * The PostgreSQL URLs the enclave connects to in production (the egress service's database, the
 * audit anchors): connections carry passwords, review decisions and audit anchors, so one that
 * leaves the machine must be TLS with the server's certificate and name verified
 * ({@code sslmode=verify-full}). Loopback addresses (the embedded database, a server on the same
 * host) need not say so. Messages name the hosts and the parameter, never the rest of a URL (which
 * may carry a password).
 */
public final class JdbcUrls {
    private static final String PREFIX = "jdbc:postgresql://";
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    private JdbcUrls() {}

    /**
     * Checks {@code url}, named {@code what} in messages (a flag or a setting).
     *
     * @throws ValidationException if it is no {@code jdbc:postgresql://} URL, or reaches another host without
     *     {@code sslmode=verify-full}
     */
    public static void checkPostgres(String what, String url) {
        if (url == null || !url.startsWith(PREFIX)) {
            throw new ValidationException(what + " must be a " + PREFIX + " URL");
        }
        String rest = url.substring(PREFIX.length());
        int end = indexOfAny(rest, "/?");
        String hostList = end < 0 ? rest : rest.substring(0, end);
        if (hostList.isEmpty() || hostList.contains("@")) {
            throw new ValidationException(what + " must name its host(s) after " + PREFIX + ", without a user or password");
        }
        List<String> hosts = java.util.Arrays.stream(hostList.split(",")).map(JdbcUrls::host).toList();
        if (hosts.stream().allMatch(h -> LOOPBACK.contains(h.toLowerCase(Locale.ROOT)))) {
            return;
        }
        String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
        String sslmode = null;
        for (String param : query.split("&")) {
            int eq = param.indexOf('=');
            if (eq > 0 && param.substring(0, eq).equalsIgnoreCase("sslmode")) {
                sslmode = param.substring(eq + 1);
            }
        }
        if (!"verify-full".equals(sslmode)) {
            throw new ValidationException(what + " reaches " + String.join(", ", hosts) + " "
                    + (sslmode == null ? "without sslmode" : "with sslmode=" + sslmode) + ": a connection that leaves this host carries"
                    + " passwords and audit anchors, so it must be TLS with the server's name verified (add sslmode=verify-full, and"
                    + " sslrootcert=FILE unless the CA is in ~/.postgresql/root.crt)");
        }
    }

    private static String host(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close < 0 ? hostPort : hostPort.substring(0, close + 1);
        }
        int colon = hostPort.indexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
