package jp.nmi.infra.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import jp.nmi.infra.up.Down;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./enclave down}: stops what {@code up} runs from a directory. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stop the enclave that ./enclave up runs from DIR: every service in order, then the HDFS and PostgreSQL;",
            "processes of services left behind by an up that was killed are stopped too. Nothing running is not an error."})
final class DownCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "enclave-data", description = "Its data directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "How long to wait for a clean stop before stopping forcibly (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() {
        Down.stop(dir, Duration.ofSeconds(timeoutSeconds), System.out);
        return 0;
    }
}
