package jp.nmi.enclave.pseudonym;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import javax.crypto.SecretKey;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestKeyStoreFile {
    @TempDir
    Path dir;

    @Test
    void createsTheProviderKeyOnceWithOwnerOnlyPermissions() throws Exception {
        Path file = dir.resolve("keys/enclave-keys.p12");
        KeyStoreFile store = KeyStoreFile.openOrCreate(file);
        SecretKey key = store.providerKey();
        assertThat(key.getEncoded()).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys/enclave-keys.p12.password"))))
                .isEqualTo("rw-------");
        // opening again finds the same key: it is created once
        assertThat(KeyStoreFile.openOrCreate(file).providerKey().getEncoded()).isEqualTo(key.getEncoded());
        assertThat(store.toString()).doesNotContain(java.util.HexFormat.of().formatHex(key.getEncoded()));
    }

    @Test
    void refusesAKeyStoreOthersCanRead() throws Exception {
        Path file = dir.resolve("k.p12");
        KeyStoreFile.openOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> KeyStoreFile.openOrCreate(file))
                .isInstanceOf(ValidationException.class)
                .hasMessage(file.toAbsolutePath() + " is accessible by others (rw-r--r--); the enclave refuses to use keys anyone"
                        + " but their owner can read: chmod 600 it");
    }

    @Test
    void projectKeysAreAddedAndDestroyedButTheProviderKeyStays() {
        KeyStoreFile store = KeyStoreFile.openOrCreate(dir.resolve("k.p12"));
        SecretKey project = store.keyOrCreate("project-demo-1");
        assertThat(store.keyOrCreate("project-demo-1").getEncoded()).isEqualTo(project.getEncoded());
        assertThat(project.getEncoded()).isNotEqualTo(store.providerKey().getEncoded());
        assertThat(store.destroyKey("project-demo-1")).isTrue();
        assertThat(store.key("project-demo-1")).isEmpty();
        assertThatThrownBy(() -> store.destroyKey(KeyStoreFile.PROVIDER_ALIAS))
                .isInstanceOf(ValidationException.class)
                .hasMessage("the provider key cannot be destroyed through the enclave");
        assertThatThrownBy(() -> store.key("Bad Alias"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("key alias 'Bad Alias' is not valid (lower-case letters, digits, '.', '_', '-')");
    }

    @Test
    void pseudonymsAreKeyedAndSeparatedByDomain() {
        KeyStoreFile a = KeyStoreFile.openOrCreate(dir.resolve("a.p12"));
        KeyStoreFile b = KeyStoreFile.openOrCreate(dir.resolve("b.p12"));
        Pseudonymizer participants = new Pseudonymizer(a.providerKey(), Pseudonymizer.PARTICIPANT);
        assertThat(participants.pseudonym("PT00000001")).isEqualTo(participants.pseudonym("PT00000001")).hasSize(64);
        assertThat(participants.pseudonym("PT00000001")).isNotEqualTo(participants.pseudonym("PT00000002"));
        assertThat(new Pseudonymizer(b.providerKey(), Pseudonymizer.PARTICIPANT).pseudonym("PT00000001"))
                .isNotEqualTo(participants.pseudonym("PT00000001"));
        assertThat(new Pseudonymizer(a.providerKey(), Pseudonymizer.SAMPLE).pseudonym("PT00000001"))
                .isNotEqualTo(participants.pseudonym("PT00000001"));
    }
}
