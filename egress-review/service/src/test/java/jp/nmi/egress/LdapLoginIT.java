package jp.nmi.egress;

import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.config.LoginSettings;
import jp.nmi.egress.testing.EgressFixture;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Production login by configuration: an LDAP bind against a real LDAP server (UnboundID's, in
 * process, on 127.0.0.1), with roles still from the enclave's directory.
 */
class LdapLoginIT {
    static InMemoryDirectoryServer ldap;
    static EgressFixture fx;
    static EgressFixture.Service svc;

    @BeforeAll
    static void start() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=provider,dc=jp");
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("loopback", InetAddress.getLoopbackAddress(), 0, null));
        ldap = new InMemoryDirectoryServer(config);
        ldap.add("dn: dc=provider,dc=jp", "objectClass: top", "objectClass: domain", "dc: provider");
        ldap.add("dn: ou=people,dc=provider,dc=jp", "objectClass: top", "objectClass: organizationalUnit", "ou: people");
        person("sato", "ldap-secret-of-sato");
        // in LDAP, but not an account of the enclave
        person("yamada", "ldap-secret-of-yamada");
        ldap.startListening();
        fx = EgressFixture.get();
        svc = fx.start(EgressSettings.DEFAULTS, new LoginSettings("ldap", "ldap://127.0.0.1:" + ldap.getListenPort() + "/dc=provider,dc=jp",
                "uid={0},ou=people"));
    }

    static void person(String uid, String password) throws Exception {
        ldap.add("dn: uid=" + uid + ",ou=people,dc=provider,dc=jp", "objectClass: top", "objectClass: person",
                "objectClass: organizationalPerson", "objectClass: inetOrgPerson", "uid: " + uid, "cn: " + uid, "sn: " + uid,
                "userPassword: " + password);
    }

    @AfterAll
    static void stop() {
        if (svc != null) {
            svc.close();
        }
        if (ldap != null) {
            ldap.shutDown(true);
        }
    }

    static int status(String user, String password) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(svc.url("/api/queue")))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void ldapCredentialsLogInAndTheDirectoryGivesTheRoles() throws Exception {
        assertThat(status(STEWARD_SATO, "ldap-secret-of-sato")).isEqualTo(200);
        assertThat(status(STEWARD_SATO, "wrong")).isEqualTo(401);
        // the directory's own password no longer logs in: LDAP decides
        assertThat(status(STEWARD_SATO, fx.passwords.get(STEWARD_SATO))).isEqualTo(401);
        // an LDAP account the enclave does not know has no roles, and is refused
        assertThat(status("yamada", "ldap-secret-of-yamada")).isEqualTo(401);
    }

    @Test
    void anIncompleteLdapConfigurationIsRefused() {
        assertThatThrownBy(() -> new LoginSettings("ldap", "http://ldap", "uid={0}"))
                .isInstanceOf(ValidationException.class).hasMessage("--login ldap needs --ldap-url ldap://HOST:PORT/BASE-DN (or ldaps://), got 'http://ldap'");
        assertThatThrownBy(() -> new LoginSettings("ldap", "ldap://127.0.0.1:1/dc=x", "uid=sato"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("must contain {0}");
        assertThatThrownBy(() -> new LoginSettings("kerberos", null, null))
                .isInstanceOf(ValidationException.class).hasMessage("--login must be directory or ldap, got 'kerberos'");
    }
}
