package jp.nmi.notebook.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import jp.nmi.enclave.directory.PasswordHash;
import org.apache.shiro.authc.IncorrectCredentialsException;
import org.apache.shiro.authc.UsernamePasswordToken;
import org.apache.shiro.subject.SimplePrincipalCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestAccessFileRealm {
    @Test
    void signsInAgainstTheDirectorysHashes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("enclave-access.json");
        Files.writeString(file, "{\"format\":1,\"users\":{\"alice\":{\"password\":\"" + PasswordHash.hash("right".toCharArray())
                + "\",\"roles\":[\"analyst\"]},\"ops\":{\"password\":\"" + PasswordHash.hash("ops".toCharArray())
                + "\",\"roles\":[\"operator\",\"admin\"]}},\"projects\":{\"DEMO-1\":{\"status\":\"active\",\"members\":[\"alice\"]},"
                + "\"OLD\":{\"status\":\"closed\",\"members\":[]}}}");
        AccessFileRealm realm = new AccessFileRealm();
        realm.setAccessFile(file.toString());
        assertThat(realm.getAuthenticationInfo(new UsernamePasswordToken("alice", "right")).getPrincipals().getPrimaryPrincipal())
                .isEqualTo("alice");
        assertThat(realm.doGetAuthorizationInfo(new SimplePrincipalCollection("ops", "r")).getRoles()).contains("admin");
        assertThatThrownBy(() -> realm.getAuthenticationInfo(new UsernamePasswordToken("alice", "wrong")))
                .isInstanceOf(IncorrectCredentialsException.class).hasMessage("wrong user name or password");
        assertThatThrownBy(() -> realm.getAuthenticationInfo(new UsernamePasswordToken("nobody", "x")))
                .isInstanceOf(IncorrectCredentialsException.class).hasMessage("wrong user name or password");

        AccessFile.Snapshot s = AccessFile.shared(file).now();
        assertThat(s.isMember("alice", "DEMO-1")).isTrue();
        assertThat(s.isMember("alice", "OLD")).isFalse();
        assertThat(s.isAdmin("ops")).isTrue();
        assertThat(s.isAdmin("alice")).isFalse();
        assertThat(s.current()).isTrue();
        // a damaged file changes nothing: the last good content stays, marked not current (nothing is synced from it)
        Files.writeString(file, "{not json, and longer than before so that the size changes");
        AccessFile.Snapshot damaged = AccessFile.shared(file).now();
        assertThat(damaged.current()).isFalse();
        assertThat(damaged.isMember("alice", "DEMO-1")).isTrue();
        assertThat(damaged.version()).endsWith("(stale: unparsable)");
        // a file that never held anything good gives nobody anything
        Path fresh = dir.resolve("other.json");
        Files.writeString(fresh, "garbage");
        assertThat(AccessFile.shared(fresh).now().isMember("alice", "DEMO-1")).isFalse();
    }

    @Test
    void accountsThatLogInThroughLdapOrOidcAreKnownAndNeverLetInByAPasswordHere(@TempDir Path dir) throws Exception {
        // an operator without a password (the directory's null) once made the whole file unparsable: nobody could sign in
        Path file = dir.resolve("enclave-access.json");
        Files.writeString(file, "{\"format\":1,\"users\":{\"ops\":{\"password\":null,\"roles\":[\"operator\",\"admin\"]},"
                + "\"alice\":{\"password\":\"" + PasswordHash.hash("right".toCharArray()) + "\",\"roles\":[\"analyst\"]}},"
                + "\"projects\":{\"DEMO-1\":{\"status\":\"active\",\"members\":[\"alice\"]}}}");
        AccessFileRealm realm = new AccessFileRealm();
        realm.setAccessFile(file.toString());
        assertThat(AccessFile.shared(file).now().current()).isTrue();
        assertThat(realm.getAuthenticationInfo(new UsernamePasswordToken("alice", "right")).getPrincipals().getPrimaryPrincipal())
                .isEqualTo("alice");
        for (String tried : new String[] {"", "null", "x"}) {
            assertThatThrownBy(() -> realm.getAuthenticationInfo(new UsernamePasswordToken("ops", tried)))
                    .isInstanceOf(IncorrectCredentialsException.class).hasMessage("wrong user name or password");
        }
        assertThat(AccessFile.shared(file).now().isAdmin("ops")).isTrue();
    }
}
