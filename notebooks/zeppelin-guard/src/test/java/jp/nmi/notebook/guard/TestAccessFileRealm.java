package jp.nmi.notebook.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import jp.nmi.enclave.directory.PasswordHash;
import org.apache.shiro.authc.ExcessiveAttemptsException;
import org.apache.shiro.authc.IncorrectCredentialsException;
import org.apache.shiro.authc.UsernamePasswordToken;
import org.apache.shiro.subject.SimplePrincipalCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestAccessFileRealm {
    @Test
    void signsInAgainstTheDirectorysHashesAndLocksAfterFiveFailures(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("enclave-access.json");
        Files.writeString(file, "{\"format\":1,\"users\":{\"alice\":{\"password\":\"" + PasswordHash.hash("right".toCharArray())
                + "\",\"roles\":[\"analyst\"]},\"ops\":{\"password\":\"" + PasswordHash.hash("ops".toCharArray())
                + "\",\"roles\":[\"operator\",\"admin\"]}},\"projects\":{\"DEMO-1\":{\"status\":\"active\",\"members\":[\"alice\"]},"
                + "\"OLD\":{\"status\":\"closed\",\"members\":[]}}}");
        AccessFileRealm realm = new AccessFileRealm(Clock.fixed(Instant.parse("2026-11-30T00:00:00Z"), ZoneOffset.UTC));
        realm.setAccessFile(file.toString());
        assertThat(realm.getAuthenticationInfo(new UsernamePasswordToken("alice", "right")).getPrincipals().getPrimaryPrincipal())
                .isEqualTo("alice");
        assertThat(realm.doGetAuthorizationInfo(new SimplePrincipalCollection("ops", "r")).getRoles()).contains("admin");
        for (int i = 0; i < AccessFileRealm.MAX_FAILURES; i++) {
            assertThatThrownBy(() -> realm.getAuthenticationInfo(new UsernamePasswordToken("alice", "wrong")))
                    .isInstanceOf(IncorrectCredentialsException.class).hasMessage("wrong user name or password");
        }
        assertThatThrownBy(() -> realm.getAuthenticationInfo(new UsernamePasswordToken("alice", "right")))
                .isInstanceOf(ExcessiveAttemptsException.class);
        assertThatThrownBy(() -> realm.getAuthenticationInfo(new UsernamePasswordToken("nobody", "x")))
                .isInstanceOf(IncorrectCredentialsException.class).hasMessage("wrong user name or password");

        AccessFile.Snapshot s = AccessFile.shared(file).now();
        assertThat(s.isMember("alice", "DEMO-1")).isTrue();
        assertThat(s.isMember("alice", "OLD")).isFalse();
        assertThat(s.isAdmin("ops")).isTrue();
        assertThat(s.isAdmin("alice")).isFalse();
        // a damaged file gives nobody anything
        Files.writeString(file, "{not json");
        assertThat(AccessFile.shared(file).now().isMember("alice", "DEMO-1")).isFalse();
    }
}
