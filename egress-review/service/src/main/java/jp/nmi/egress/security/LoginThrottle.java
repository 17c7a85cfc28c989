package jp.nmi.egress.security;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Limits failed logins per account and per address, before any password is checked: an account
 * or an address with too many failures in the window is refused outright until the lockout ends,
 * so guessing costs the guesser time and the service no hashing (PBKDF2 is deliberately slow). A
 * successful login clears the account's failures, not the address's.
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
    public static final class TooManyFailedLogins extends AuthenticationException {
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

    public LoginThrottle(Limits limits, Clock clock) {
        this.limits = requireNonNull(limits, "limits is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** {@code manager} behind this throttle. */
    public AuthenticationManager guard(AuthenticationManager manager) {
        return authentication -> {
            String account = "account:" + String.valueOf(authentication.getName()).toLowerCase(Locale.ROOT);
            String address = "address:" + address(authentication);
            checkAllowed(account, "account");
            checkAllowed(address, "address");
            try {
                Authentication ok = manager.authenticate(authentication);
                accounts.remove(account);
                lockedUntil.remove(account);
                return ok;
            } catch (AuthenticationException e) {
                failed(accounts, account, limits.perAccount());
                failed(addresses, address, limits.perAddress());
                throw e;
            }
        };
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

    private static String address(Authentication authentication) {
        return authentication.getDetails() instanceof WebAuthenticationDetails d && d.getRemoteAddress() != null
                ? d.getRemoteAddress() : "unknown";
    }
}
