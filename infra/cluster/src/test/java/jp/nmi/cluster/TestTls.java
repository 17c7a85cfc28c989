package jp.nmi.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of the test run and a server certificate it signed for {@code localhost}
 * and {@code 127.0.0.1}, made with Debian's openssl: what a provider's CA issues PostgreSQL in
 * production, so that the cluster's clients verify the server as production's do
 * ({@code sslmode=verify-full}). New ones every run; the CA's key is deleted once it has signed.
 */
final class TestTls {
    private TestTls() {}

    /** Writes the CA's certificate to {@code ca}, and {@code server.crt} and {@code server.key} (owner-only) into {@code serverDir}. */
    static void make(Path ca, Path serverDir) {
        try {
            Files.createDirectories(ca.getParent());
            Files.createDirectories(serverDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Path caKey = serverDir.resolve("ca.key");
            Path csr = serverDir.resolve("server.csr");
            Path ext = serverDir.resolve("server.ext");
            Files.writeString(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    + "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out", ca.toString(), "-days", "2",
                    "-subj", "/CN=enclave cluster test CA");
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverDir.resolve("server.key").toString(), "-out", csr.toString(),
                    "-subj", "/CN=localhost");
            openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                    "-out", serverDir.resolve("server.crt").toString(), "-days", "2", "-extfile", ext.toString());
            for (Path p : List.of(caKey, csr, ext, serverDir.resolve("ca.srl"), ca.resolveSibling("ca.srl"))) {
                Files.deleteIfExists(p);
            }
            Files.setPosixFilePermissions(serverDir.resolve("server.key"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
    }
}
