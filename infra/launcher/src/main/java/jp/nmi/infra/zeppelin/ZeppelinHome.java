package jp.nmi.infra.zeppelin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;

/**
 * The Zeppelin home the build assembles ({@code infra/zeppelin-home/target/zeppelin-home}): the
 * server's jars, the launch script, the {@code %enclave} and {@code %md} interpreters, the web root.
 */
public record ZeppelinHome(Path directory, Path java) {
    /** Overrides where the home is (e.g. an installed one). */
    public static final String PROPERTY = "enclave.zeppelin.home";

    /**
     * The home the build made under {@code root} (the checkout), or the one named by the system property.
     *
     * @throws ValidationException if it is missing or incomplete (build it: mvn package)
     */
    public static ZeppelinHome locate(Path root) {
        String p = System.getProperty(PROPERTY);
        Path dir = (p != null && !p.isBlank() ? Path.of(p) : root.resolve("infra/zeppelin-home/target/zeppelin-home")).toAbsolutePath()
                .normalize();
        for (String required : List.of("lib", "bin/interpreter.sh", "interpreter/enclave/interpreter-setting.json",
                "interpreter/md/interpreter-setting.json", "web/WEB-INF/web.xml", "closed/WEB-INF/web.xml", "jvm/java17.options", "server-overrides/enclave-zeppelin-loopback.jar",
                "interpreter/enclave-zeppelin-loopback.jar")) {
            if (!Files.exists(dir.resolve(required))) {
                throw new ValidationException("the Zeppelin home " + dir + " is incomplete (" + required + " is missing): build it with"
                        + " mvn -DskipTests package");
            }
        }
        try {
            // Maven's resources plugin does not keep the executable bit
            Files.setPosixFilePermissions(dir.resolve("bin/interpreter.sh"), EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ,
                    PosixFilePermission.GROUP_EXECUTE));
        } catch (IOException e) {
            throw new ValidationException("cannot make " + dir.resolve("bin/interpreter.sh") + " executable: " + e.getMessage());
        }
        return new ZeppelinHome(dir, Path.of(System.getProperty("java.home"), "bin", "java"));
    }
}
