package jp.nmi.egress.security;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * The enclave's login throttle ({@link jp.nmi.enclave.directory.LoginThrottle}: failures per
 * account and per address, refused before any password is checked) in front of Spring Security's
 * authentication. The address is the client's, as the reverse proxy on loopback says
 * ({@code X-Forwarded-For}, trusted from 127.0.0.1 only).
 */
public final class LoginThrottle {
    /** How many failures within {@code window} lock an account or an address, and for how long. */
    public record Limits(int perAccount, int perAddress, Duration window, Duration lockout) {
        public static final Limits DEFAULTS = new Limits(5, 20, Duration.ofMinutes(15), Duration.ofMinutes(15));

        jp.nmi.enclave.directory.LoginThrottle.Limits core() {
            return new jp.nmi.enclave.directory.LoginThrottle.Limits(perAccount, perAddress, window, lockout);
        }
    }

    /** Refused before the password was checked: too many failures lately. */
    public static final class TooManyFailedLogins extends AuthenticationException {
        private static final long serialVersionUID = 1L;
        private final long retryAfterSeconds;

        TooManyFailedLogins(String message, long retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** Carries Spring's exception through the throttle, which counts it as a failure. */
    private static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final AuthenticationException cause;

        Failed(AuthenticationException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private final jp.nmi.enclave.directory.LoginThrottle throttle;

    public LoginThrottle(Limits limits, Clock clock) {
        this.throttle = new jp.nmi.enclave.directory.LoginThrottle(requireNonNull(limits, "limits is null").core(), clock);
    }

    /** {@code manager} behind this throttle. */
    public AuthenticationManager guard(AuthenticationManager manager) {
        return authentication -> {
            try {
                return throttle.attempt(authentication.getName(), address(authentication), () -> {
                    try {
                        return manager.authenticate(authentication);
                    } catch (AuthenticationException e) {
                        throw new Failed(e);
                    }
                });
            } catch (Failed f) {
                throw f.cause;
            } catch (jp.nmi.enclave.directory.LoginThrottle.TooManyFailedLogins t) {
                throw new TooManyFailedLogins(t.getMessage(), t.retryAfterSeconds());
            }
        };
    }

    private static String address(Authentication authentication) {
        return authentication.getDetails() instanceof WebAuthenticationDetails d && d.getRemoteAddress() != null
                ? d.getRemoteAddress() : "unknown";
    }
}
