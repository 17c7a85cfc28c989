package jp.nmi.notebook.guard;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.directory.PasswordHash;
import org.apache.shiro.authc.AuthenticationException;
import org.apache.shiro.authc.AuthenticationInfo;
import org.apache.shiro.authc.AuthenticationToken;
import org.apache.shiro.authc.ExcessiveAttemptsException;
import org.apache.shiro.authc.IncorrectCredentialsException;
import org.apache.shiro.authc.SimpleAuthenticationInfo;
import org.apache.shiro.authc.UnknownAccountException;
import org.apache.shiro.authc.UsernamePasswordToken;
import org.apache.shiro.authz.AuthorizationInfo;
import org.apache.shiro.authz.SimpleAuthorizationInfo;
import org.apache.shiro.realm.AuthorizingRealm;
import org.apache.shiro.subject.PrincipalCollection;

/**
 * Zeppelin's logins against the enclave's directory, as {@code enclave-access.json} carries it:
 * the same accounts and PBKDF2 password hashes as the egress service, roles from the directory
 * ({@code admin} for operators). Five failed attempts for an account within 15 minutes lock it
 * for the rest of the window. Configured in {@code shiro.ini}:
 *
 * <pre>
 * enclaveRealm = jp.nmi.notebook.guard.AccessFileRealm
 * securityManager.realms = $enclaveRealm
 * </pre>
 */
public class AccessFileRealm extends AuthorizingRealm {
    static final int MAX_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(15);

    private Path file = AccessFile.defaultPath();
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public AccessFileRealm() {
        this(Clock.systemUTC());
    }

    AccessFileRealm(Clock clock) {
        this.clock = clock;
        setAuthenticationCachingEnabled(false);
        setAuthorizationCachingEnabled(false);
        // the realm compares the password itself, in constant time, against the stored hash
        setCredentialsMatcher((token, info) -> true);
    }

    /** For {@code shiro.ini}: {@code enclaveRealm.accessFile = /path/enclave-access.json}. */
    public void setAccessFile(String path) {
        this.file = Path.of(path);
    }

    @Override
    public boolean supports(AuthenticationToken token) {
        return token instanceof UsernamePasswordToken;
    }

    @Override
    protected AuthenticationInfo doGetAuthenticationInfo(AuthenticationToken token) throws AuthenticationException {
        UsernamePasswordToken t = (UsernamePasswordToken) token;
        String user = t.getUsername();
        if (user == null || user.isBlank()) {
            throw new UnknownAccountException("no user name");
        }
        if (locked(user)) {
            throw new ExcessiveAttemptsException("too many failed logins for this account; try again later");
        }
        AccessFile.User account = AccessFile.shared(file).now().users().get(user);
        char[] password = t.getPassword() == null ? new char[0] : t.getPassword();
        // an unknown account costs the same as a known one: no timing tells which accounts exist
        boolean ok = PasswordHash.matches(password, account != null ? account.passwordHash() : DUMMY);
        if (account == null || !ok) {
            fail(user);
            throw new IncorrectCredentialsException("wrong user name or password");
        }
        failures.remove(user);
        return new SimpleAuthenticationInfo(user, "", getName());
    }

    private static final String DUMMY = PasswordHash.hash("not a password".toCharArray());

    @Override
    protected AuthorizationInfo doGetAuthorizationInfo(PrincipalCollection principals) {
        String user = (String) principals.getPrimaryPrincipal();
        AccessFile.User account = AccessFile.shared(file).now().users().get(user);
        return new SimpleAuthorizationInfo(account == null ? java.util.Set.of() : account.roles());
    }

    private boolean locked(String user) {
        Deque<Instant> f = failures.get(user);
        if (f == null) {
            return false;
        }
        synchronized (f) {
            Instant cutoff = clock.instant().minus(WINDOW);
            while (!f.isEmpty() && f.peekFirst().isBefore(cutoff)) {
                f.pollFirst();
            }
            return f.size() >= MAX_FAILURES;
        }
    }

    private void fail(String user) {
        if (failures.size() > 10_000) {
            failures.clear(); // a flood of made-up names must not exhaust memory
        }
        Deque<Instant> f = failures.computeIfAbsent(user, u -> new ArrayDeque<>());
        synchronized (f) {
            f.addLast(clock.instant());
        }
    }
}
