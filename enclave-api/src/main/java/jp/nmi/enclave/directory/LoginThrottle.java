package jp.nmi.enclave.directory;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Limits failed logins per account and per address, before any password is checked: an account
 * or an address with too many failures in the window is refused outright until the lockout ends,
 * so guessing costs the guesser time and the service no hashing (PBKDF2 is deliberately slow). A
 * successful login clears the account's failures, not the address's.
 *
 * <p>Nobody can lock a user out of where they work: a locked account still logs in from an address
 * it logged in from successfully in the last day. The address is the client's, as the reverse proxy
 * on loopback says ({@code X-Forwarded-For}, trusted from 127.0.0.1 only), so one guesser behind the
 * proxy does not lock everyone else out. The tables stay small: entries older than the window go.
 *
 * <p>The one throttle of the enclave's logins: the egress service's and the notebook server's.
 *
 * @see Limits for the numbers
 */
public final class LoginThrottle {
    /**
     * How many failures within {@code window} lock an account or an address, and for how long.
     * Per address is higher: several people may share one (a proxy on the provider's network).
     */
    public record Limits(int perAccount, int perAddress, Duration window, Duration lockout) {
        public static final Limits DEFAULTS = new Limits(5, 20, Duration.ofMinutes(15), Duration.ofMinutes(15));

        public Limits {
            if (perAccount < 1 || perAddress < 1 || window.isNegative() || window.isZero() || lockout.isNegative()) {
                throw new IllegalArgumentException("login limits must be positive");
            }
        }
    }

    /** Refused before the password was checked: too many failures lately. */
    public static final class TooManyFailedLogins extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long retryAfterSeconds;

        TooManyFailedLogins(String what, long retryAfterSeconds) {
            super("too many failed logins for this " + what + "; try again in " + retryAfterSeconds + " s");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private final Limits limits;
    private final Clock clock;
    private final Map<String, Deque<Instant>> accounts = new ConcurrentHashMap<>();
    private final Map<String, Deque<Instant>> addresses = new ConcurrentHashMap<>();
    private final Map<String, Instant> lockedUntil = new ConcurrentHashMap<>();
    /** Account to the addresses it logged in from, and when last: those keep working while it is locked. */
    private final Map<String, Map<String, Instant>> knownAddresses = new ConcurrentHashMap<>();
    private static final Duration KNOWN_FOR = Duration.ofDays(1);
    private static final int EVICT_ABOVE = 10_000;

    public LoginThrottle(Limits limits, Clock clock) {
        this.limits = requireNonNull(limits, "limits is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Tries a login of {@code account} from {@code client} (an address): refused before
     * {@code authenticate} runs if either is locked; a RuntimeException out of {@code authenticate}
     * counts as a failure and is rethrown.
     *
     * @throws TooManyFailedLogins if the account or the address is locked
     */
    public <T> T attempt(String account, String client, Supplier<T> authenticate) {
        String accountKey = "account:" + String.valueOf(account).toLowerCase(Locale.ROOT);
        String clientName = client == null || client.isBlank() ? "unknown" : client;
        String addressKey = "address:" + clientName;
        evictIfLarge();
        if (!isKnown(accountKey, clientName)) {
            checkAllowed(accountKey, "account");
        }
        checkAllowed(addressKey, "address");
        T ok;
        try {
            ok = authenticate.get();
        } catch (RuntimeException e) {
            failed(accounts, accountKey, limits.perAccount());
            failed(addresses, addressKey, limits.perAddress());
            throw e;
        }
        accounts.remove(accountKey);
        lockedUntil.remove(accountKey);
        knownAddresses.computeIfAbsent(accountKey, a -> new ConcurrentHashMap<>()).put(clientName, clock.instant());
        return ok;
    }

    private boolean isKnown(String account, String client) {
        Map<String, Instant> known = knownAddresses.get(account);
        Instant last = known == null ? null : known.get(client);
        return last != null && last.isAfter(clock.instant().minus(KNOWN_FOR));
    }

    /** Forgets failures older than the window and lockouts that ended, once the tables grow large. */
    private void evictIfLarge() {
        if (accounts.size() + addresses.size() + lockedUntil.size() < EVICT_ABOVE) {
            return;
        }
        Instant now = clock.instant();
        Instant old = now.minus(limits.window());
        for (Map<String, Deque<Instant>> m : java.util.List.of(accounts, addresses)) {
            m.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return e.getValue().isEmpty() || e.getValue().peekLast().isBefore(old);
                }
            });
        }
        lockedUntil.entrySet().removeIf(e -> !e.getValue().isAfter(now));
        knownAddresses.values().forEach(m -> m.entrySet().removeIf(e -> e.getValue().isBefore(now.minus(KNOWN_FOR))));
        knownAddresses.entrySet().removeIf(e -> e.getValue().isEmpty());
    }

    private void checkAllowed(String key, String what) {
        Instant until = lockedUntil.get(key);
        Instant now = clock.instant();
        if (until != null) {
            if (now.isBefore(until)) {
                throw new TooManyFailedLogins(what, Math.max(1, Duration.between(now, until).toSeconds()));
            }
            lockedUntil.remove(key, until);
        }
    }

    private void failed(Map<String, Deque<Instant>> failures, String key, int max) {
        Instant now = clock.instant();
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
            while (!times.isEmpty() && times.peekFirst().isBefore(now.minus(limits.window()))) {
                times.removeFirst();
            }
            if (times.size() >= max) {
                lockedUntil.put(key, now.plus(limits.lockout()));
                times.clear();
            }
        }
    }
}
