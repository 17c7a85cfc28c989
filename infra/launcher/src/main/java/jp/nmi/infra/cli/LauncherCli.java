package jp.nmi.infra.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The commands that put the pieces together ({@code ./enclave} routes them here): the whole
 * enclave up, down and its status, and benchmarks over the real notebook server.
 */
@Command(name = "enclave", mixinStandardHelpOptions = true, subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, NotebooksCommand.class, LauncherCli.Bench.class},
        description = "The enclave's launcher: the whole enclave's pieces together.")
public final class LauncherCli implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LauncherCli()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The checkout, for the Zeppelin home and the samples. */
    static Path root() {
        return Path.of(System.getProperty("enclave.root", ".")).toAbsolutePath().normalize();
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {Notebooks.class},
            description = "Benchmarks over the real servers (not part of the tests).")
    static final class Bench implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "notebooks", mixinStandardHelpOptions = true,
            description = {"A realistic note (the DEMO-1 samples) through Zeppelin and the project's interpreter: first paragraph,",
                "later paragraphs p50/p95 against the same SQL on a session in this process, interpreter memory."})
    static final class Notebooks implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--participants", defaultValue = "20000", description = "Participants (default: ${DEFAULT-VALUE}).")
        int participants;

        @Option(names = "--rounds", defaultValue = "5", description = "Times the note is run after the first (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            jp.nmi.infra.bench.NotebookBenchmark.run(root(), participants, rounds, work, spec.commandLine().getOut());
            return 0;
        }
    }
}
