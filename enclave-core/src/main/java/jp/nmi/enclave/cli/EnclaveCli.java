package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code enclave}: the command line of the secure analysis enclave. Every capability is a subcommand. */
@Command(name = "enclave",
        mixinStandardHelpOptions = true,
        versionProvider = EnclaveCli.Version.class,
        description = {
            "The secure analysis enclave.",
            "The secure analysis enclave: pseudonymized medical and genomic data on HDFS, analysed inside the",
            "provider's environment under Ranger policies, with disclosure-checked egress.",
            "",
            "Run a subcommand with --help for its options."},
        subcommands = {
            DemoDataCommand.class,
            IngestCommand.class,
            ProjectCommand.class,
            OptoutCommand.class, ConsentCommand.class, RegisterCommand.class,
            UsersCommand.class,
            SqlCommand.class,
            AfCommand.class,
            DiscoverCommand.class,
            DisclosureCommand.class,
            ExportCommand.class,
            EgressCommand.class,
            AuditCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "The whole enclave on this machine: ./enclave up, ./enclave status, ./enclave down (each with --help).", "", "Exit codes: 0 success, 1 error (the message says what and why), 2 usage error, 3 access denied."})
public final class EnclaveCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_DENIED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = execute(args);
        System.out.flush();
        System.err.flush();
        // Hadoop and Spark leave non-daemon threads behind; the exit code is all that is left to say.
        System.exit(code);
    }

    /** Runs the command line and returns the exit code (used by tests and by main). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new EnclaveCli());
        cli.setExecutionExceptionHandler(EnclaveCli::handle);
        // a usage error names the one wrong thing and where the help is, not the whole help
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println(c.getCommandSpec().qualifiedName(" ") + ": " + ex.getMessage().replaceFirst("^Error: ", ""));
            err.println("See: " + c.getCommandSpec().qualifiedName(" ") + " --help");
            err.flush();
            return EXIT_USAGE;
        });
        cli.setUsageHelpWidth(110);
        return cli;
    }

    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        PrintWriter err = cli.getErr();
        if (e instanceof jp.nmi.enclave.error.AccessDeniedException) {
            err.println(cli.getCommandSpec().qualifiedName(" ") + ": " + e.getMessage());
            err.flush();
            return EXIT_DENIED;
        }
        if (e instanceof ValidationException || e instanceof NotFoundException || e instanceof EnclaveStorageException
                || e instanceof jp.nmi.egress.disclosure.DisclosureException || e instanceof jp.nmi.enclave.policy.PolicyUnavailableException) {
            err.println(cli.getCommandSpec().qualifiedName(" ") + ": " + e.getMessage());
            err.flush();
            return EXIT_ERROR;
        }
        err.println(cli.getCommandSpec().qualifiedName(" ") + ": unexpected error: " + e);
        e.printStackTrace(err);
        err.flush();
        return EXIT_ERROR;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = EnclaveCli.class.getPackage().getImplementationVersion();
            return new String[] {"enclave " + (v == null ? "development build" : v),
                "Java " + System.getProperty("java.version")};
        }
    }
}
