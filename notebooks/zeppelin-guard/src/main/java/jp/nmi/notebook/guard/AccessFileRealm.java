package jp.nmi.notebook.guard;

import java.nio.file.Path;
import jp.nmi.enclave.directory.PasswordHash;
import org.apache.shiro.authc.AuthenticationException;
import org.apache.shiro.authc.AuthenticationInfo;
import org.apache.shiro.authc.AuthenticationToken;
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
 * ({@code admin} for operators). Failed logins are throttled in front of it, by the enclave's
 * guard, per account and per address ({@link jp.nmi.enclave.directory.LoginThrottle}). Configured
 * in {@code shiro.ini}:
 *
 * <pre>
 * enclaveRealm = jp.nmi.notebook.guard.AccessFileRealm
 * securityManager.realms = $enclaveRealm
 * </pre>
 */
public class AccessFileRealm extends AuthorizingRealm {
    private Path file = AccessFile.defaultPath();

    public AccessFileRealm() {
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
        AccessFile.User account = AccessFile.shared(file).now().users().get(user);
        char[] password = t.getPassword() == null ? new char[0] : t.getPassword();
        // an unknown account costs the same as a known one: no timing tells which accounts exist
        boolean ok = PasswordHash.matches(password, account != null && account.passwordHash() != null ? account.passwordHash() : DUMMY);
        if (account == null || account.passwordHash() == null || !ok) {
            throw new IncorrectCredentialsException("wrong user name or password");
        }
        return new SimpleAuthenticationInfo(user, "", getName());
    }

    private static final String DUMMY = PasswordHash.hash("not a password".toCharArray());

    @Override
    protected AuthorizationInfo doGetAuthorizationInfo(PrincipalCollection principals) {
        String user = (String) principals.getPrimaryPrincipal();
        AccessFile.User account = AccessFile.shared(file).now().users().get(user);
        return new SimpleAuthorizationInfo(account == null ? java.util.Set.of() : account.roles());
    }
}
