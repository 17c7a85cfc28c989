package jp.nmi.egress.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.junit.jupiter.api.Test;

/** Failed logins per account and per address, without a server (issue 10: guessing cost CPU and had no limit). */
class TestLoginThrottle {
    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-11-30T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final MutableClock clock = new MutableClock();
    final AtomicInteger checked = new AtomicInteger();
    /** Accepts "right", refuses anything else, and counts the passwords it had to check. */
    final AuthenticationManager passwords = a -> {
        checked.incrementAndGet();
        if ("right".equals(a.getCredentials())) {
            return UsernamePasswordAuthenticationToken.authenticated(a.getName(), null, java.util.List.of());
        }
        throw new BadCredentialsException("wrong");
    };
    final AuthenticationManager guarded = new LoginThrottle(new LoginThrottle.Limits(3, 5, Duration.ofMinutes(15),
            Duration.ofMinutes(10)), clock).guard(passwords);

    Authentication login(String user, String password, String address) {
        UsernamePasswordAuthenticationToken t = UsernamePasswordAuthenticationToken.unauthenticated(user, password);
        t.setDetails(new org.springframework.security.web.authentication.WebAuthenticationDetails(address, null));
        return guarded.authenticate(t);
    }

    @Test
    void anAccountIsLockedAfterTooManyFailuresWithoutItsPasswordBeingCheckedAgain() {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> login("sato", "guess", "10.0.0.1")).isInstanceOf(BadCredentialsException.class);
        }
        int before = checked.get();
        assertThatThrownBy(() -> login("sato", "right", "10.0.0.2"))
                .isInstanceOf(LoginThrottle.TooManyFailedLogins.class)
                .hasMessage("too many failed logins for this account; try again in 600 s");
        assertThat(checked.get()).as("no password was hashed while locked").isEqualTo(before);
        // another account from the same address is not locked by this one
        assertThat(login("suzuki", "right", "10.0.0.1").isAuthenticated()).isTrue();
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        assertThat(login("sato", "right", "10.0.0.1").isAuthenticated()).isTrue();
    }

    @Test
    void anAddressIsLockedAfterTooManyFailuresAcrossAccounts() {
        for (String user : new String[] {"a", "b", "c", "d", "e"}) {
            assertThatThrownBy(() -> login(user, "guess", "10.0.0.9")).isInstanceOf(BadCredentialsException.class);
        }
        assertThatThrownBy(() -> login("sato", "right", "10.0.0.9"))
                .isInstanceOf(LoginThrottle.TooManyFailedLogins.class)
                .hasMessage("too many failed logins for this address; try again in 600 s");
        assertThat(login("sato", "right", "10.0.0.10").isAuthenticated()).isTrue();
    }

    @Test
    void failuresOutsideTheWindowDoNotCountAndASuccessClearsTheAccount() {
        assertThatThrownBy(() -> login("kenji", "guess", "10.0.0.3")).isInstanceOf(BadCredentialsException.class);
        assertThatThrownBy(() -> login("kenji", "guess", "10.0.0.3")).isInstanceOf(BadCredentialsException.class);
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        assertThatThrownBy(() -> login("kenji", "guess", "10.0.0.3")).isInstanceOf(BadCredentialsException.class);
        assertThat(login("kenji", "right", "10.0.0.3").isAuthenticated()).isTrue();
        assertThatThrownBy(() -> login("kenji", "guess", "10.0.0.3")).isInstanceOf(BadCredentialsException.class);
        assertThatThrownBy(() -> login("kenji", "guess", "10.0.0.3")).isInstanceOf(BadCredentialsException.class);
        assertThat(login("kenji", "right", "10.0.0.3").isAuthenticated()).isTrue();
    }

    /** A guesser cannot lock a steward out of the address they work from. */
    @Test
    void aLockedAccountStillLogsInFromWhereItLoggedInBefore() {
        assertThat(login("sato", "right", "10.0.1.1").isAuthenticated()).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> login("sato", "guess", "10.0.9.9")).isInstanceOf(BadCredentialsException.class);
        }
        assertThatThrownBy(() -> login("sato", "right", "10.0.9.8")).isInstanceOf(LoginThrottle.TooManyFailedLogins.class);
        assertThat(login("sato", "right", "10.0.1.1").isAuthenticated()).isTrue();
        clock.now = clock.now.plus(Duration.ofDays(2));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> login("sato", "guess", "10.0.9.9")).isInstanceOf(BadCredentialsException.class);
        }
        assertThatThrownBy(() -> login("sato", "right", "10.0.1.1")).as("known for a day only")
                .isInstanceOf(LoginThrottle.TooManyFailedLogins.class);
    }
}
