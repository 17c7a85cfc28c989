package jp.nmi.enclave.pseudonym;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;

/**
 * The provider's keys: a PKCS#12 file readable only by its owner, holding one HMAC-SHA256 key per
 * alias ({@code provider} for dataset pseudonyms, {@code project-<id>} for each project's re-keying).
 *
 * <p>Keys are created once, on first use, from {@link SecureRandom}, and never printed, logged or
 * written anywhere else. The file's password comes from {@code ENCLAVE_KEYSTORE_PASSWORD} when set
 * (production: from the secret manager); otherwise from a random password file next to the key
 * store with the same owner-only permissions (the embedded default). A key store or password file
 * that others can read is refused rather than used.
 */
public final class KeyStoreFile {
    public static final String PROVIDER_ALIAS = "provider";
    /** The key that signs the records of outputs made in the enclave (verified by the egress service). */
    public static final String OUTPUT_SIGNING_ALIAS = "egress-outputs";
    public static final String PASSWORD_ENV = "ENCLAVE_KEYSTORE_PASSWORD";
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final String TYPE = "PKCS12";
    private static final String ALGORITHM = "HmacSHA256";

    private final Path file;
    private final char[] password;

    private KeyStoreFile(Path file, char[] password) {
        this.file = file;
        this.password = password;
    }

    /** Where the embedded enclave in {@code dir} keeps its key store. */
    public static Path embeddedPath(Path dir) {
        return dir.toAbsolutePath().resolve("keys").resolve("enclave-keys.p12");
    }

    /**
     * Opens the key store at {@code file}, creating it (and the provider key) if it does not exist.
     *
     * @throws ValidationException if the file or its password file is readable by anyone but the owner
     * @throws EnclaveStorageException if it cannot be read or created
     */
    public static KeyStoreFile openOrCreate(Path file) {
        requireNonNull(file, "file is null");
        Path absolute = file.toAbsolutePath();
        try {
            if (!Files.isDirectory(absolute.getParent())) {
                Files.createDirectories(absolute.getParent(), PosixFilePermissions.asFileAttribute(OWNER_DIR));
            }
            try (FileChannel lockChannel = lockFile(absolute)) {
                FileLock lock = lockChannel.lock();
                try {
                    char[] password = password(absolute);
                    KeyStoreFile store = new KeyStoreFile(absolute, password);
                    if (!Files.exists(absolute)) {
                        KeyStore ks = KeyStore.getInstance(TYPE);
                        ks.load(null, password);
                        addKey(ks, PROVIDER_ALIAS, password);
                        store.write(ks);
                    }
                    store.checkOwnerOnly(absolute);
                    store.load(); // fails early on a wrong password or a damaged file
                    return store;
                } finally {
                    lock.release();
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new EnclaveStorageException("cannot open key store " + absolute + ": " + e.getMessage(), e);
        }
    }

    /** The key for {@code alias}, if the store has one. */
    public Optional<SecretKey> key(String alias) {
        checkAlias(alias);
        try {
            KeyStore ks = load();
            if (!ks.containsAlias(alias)) {
                return Optional.empty();
            }
            KeyStore.Entry entry = ks.getEntry(alias, new KeyStore.PasswordProtection(password));
            if (!(entry instanceof KeyStore.SecretKeyEntry secret)) {
                throw new EnclaveStorageException("key store entry " + alias + " is not a secret key");
            }
            return Optional.of(new SecretKeySpec(secret.getSecretKey().getEncoded(), ALGORITHM));
        } catch (IOException | GeneralSecurityException e) {
            throw new EnclaveStorageException("cannot read key " + alias + " from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The provider key that makes dataset pseudonyms. */
    public SecretKey providerKey() {
        return key(PROVIDER_ALIAS).orElseThrow(
                () -> new EnclaveStorageException("key store " + file + " has no provider key"));
    }

    /** The key for {@code alias}, created (once, under a file lock) if absent. */
    public SecretKey keyOrCreate(String alias) {
        checkAlias(alias);
        Optional<SecretKey> existing = key(alias);
        if (existing.isPresent()) {
            return existing.get();
        }
        try (FileChannel lockChannel = lockFile(file)) {
            FileLock lock = lockChannel.lock();
            try {
                KeyStore ks = load();
                if (!ks.containsAlias(alias)) {
                    addKey(ks, alias, password);
                    write(ks);
                }
            } finally {
                lock.release();
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new EnclaveStorageException("cannot add key " + alias + " to " + file + ": " + e.getMessage(), e);
        }
        return key(alias).orElseThrow();
    }

    /** Removes the key for {@code alias}; pseudonyms made with it can then never be re-derived. */
    public boolean destroyKey(String alias) {
        checkAlias(alias);
        if (PROVIDER_ALIAS.equals(alias)) {
            throw new ValidationException("the provider key cannot be destroyed through the enclave");
        }
        try (FileChannel lockChannel = lockFile(file)) {
            FileLock lock = lockChannel.lock();
            try {
                KeyStore ks = load();
                if (!ks.containsAlias(alias)) {
                    return false;
                }
                ks.deleteEntry(alias);
                write(ks);
                return true;
            } finally {
                lock.release();
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new EnclaveStorageException("cannot remove key " + alias + " from " + file + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return file;
    }

    @Override
    public String toString() {
        return "KeyStoreFile[" + file + "]"; // never the keys or the password
    }

    private KeyStore load() throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(TYPE);
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    private void write(KeyStore ks) throws IOException, GeneralSecurityException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
            ks.store(out, password);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void addKey(KeyStore ks, String alias, char[] password) throws GeneralSecurityException {
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        ks.setEntry(alias, new KeyStore.SecretKeyEntry(new SecretKeySpec(material, ALGORITHM)),
                new KeyStore.PasswordProtection(password));
    }

    private static char[] password(Path keyStore) throws IOException {
        String fromEnv = System.getenv(PASSWORD_ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        Path passwordFile = keyStore.resolveSibling(keyStore.getFileName() + ".password");
        if (!Files.exists(passwordFile)) {
            if (Files.exists(keyStore)) {
                throw new ValidationException("key store " + keyStore + " exists but neither " + PASSWORD_ENV
                        + " nor " + passwordFile + " gives its password");
            }
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(passwordFile, HexFormat.of().formatHex(random), StandardCharsets.US_ASCII);
        }
        checkOwnerOnlyFile(passwordFile);
        return Files.readString(passwordFile, StandardCharsets.US_ASCII).trim().toCharArray();
    }

    private void checkOwnerOnly(Path path) throws IOException {
        checkOwnerOnlyFile(path);
    }

    private static void checkOwnerOnlyFile(Path path) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
        for (PosixFilePermission p : perms) {
            if (!OWNER_ONLY.contains(p)) {
                throw new ValidationException(path + " is accessible by others (" + PosixFilePermissions.toString(perms)
                        + "); the enclave refuses to use keys anyone but their owner can read: chmod 600 it");
            }
        }
    }

    private static FileChannel lockFile(Path keyStore) throws IOException {
        Path lock = keyStore.resolveSibling(keyStore.getFileName() + ".lock");
        Path dir = lock.getParent();
        if (dir != null && !Files.exists(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        }
        if (!Files.exists(lock)) {
            try {
                Files.createFile(lock, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created by another process in between: fine
            }
        }
        return FileChannel.open(lock, StandardOpenOption.WRITE);
    }

    private static void checkAlias(String alias) {
        requireNonNull(alias, "alias is null");
        if (!ALIAS.matcher(alias).matches()) {
            throw new ValidationException("key alias '" + alias + "' is not valid (lower-case letters, digits, '.', '_', '-')");
        }
    }
}
