package jp.nmi.enclave.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the enclave CLI in a separate JVM, as ./enclave does, so that tests can kill it at a chosen
 * point (a crash) and watch what the next run finds.
 */
public final class EnclaveProcess {
    /** What a finished process left: exit code and its output. */
    public record Result(int exitCode, String stdout, String stderr) {}

    private EnclaveProcess() {}

    public static Result run(List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        return runMain("jp.nmi.enclave.cli.EnclaveCli", jvmArgs, args);
    }

    /** Runs {@code mainClass}, from the enclave's classes or its tests', in a JVM of its own. */
    public static Result runMain(String mainClass, List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        Path root = enclaveRoot();
        Path module = root.resolve("enclave-core");
        String classpath = module.resolve("target/classes") + java.io.File.pathSeparator + module.resolve("target/test-classes")
                + java.io.File.pathSeparator + Files.readString(module.resolve("target/classpath.txt")).trim();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("@" + root.resolve("infra/jvm/java17.options"));
        command.add("-Xmx1g");
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(List.of(args));
        Path out = Files.createTempFile("enclave-out", ".txt");
        Path err = Files.createTempFile("enclave-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("enclave process did not finish in 5 minutes: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The checkout root: from -Denclave.root (set by the build) or the parent of the module directory. */
    public static Path enclaveRoot() {
        String configured = System.getProperty("enclave.root");
        if (configured != null && Files.isDirectory(Path.of(configured, "infra"))) {
            return Path.of(configured);
        }
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("infra")) ? here : here.getParent();
    }
}
