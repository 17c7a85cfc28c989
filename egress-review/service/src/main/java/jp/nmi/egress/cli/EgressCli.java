package jp.nmi.egress.cli;

import java.io.PrintWriter;
import jp.nmi.egress.request.InvalidStateTransitionException;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code enclave egress}: the egress service's command line. It runs in its own JVM (the launcher
 * starts it for {@code ./enclave egress ...}): the service needs neither Spark nor its servlet and
 * logging stacks.
 */
@Command(name = "enclave egress",
        mixinStandardHelpOptions = true,
        description = {
            "The egress service: the only way anything leaves the enclave. Analysts submit files from their project's",
            "outbox; each is copied into quarantine under its SHA-256 and checked automatically; two independent",
            "stewards review it file by file; exactly the reviewed bytes are released."},
        subcommands = {ServeCommand.class, EgressBenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 error (the message says what and why), 2 usage error, 3 access denied."})
public final class EgressCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new EgressCli());
        cli.setUsageHelpWidth(110);
        cli.setExecutionExceptionHandler((e, c, p) -> {
            PrintWriter err = c.getErr();
            if (e instanceof ValidationException || e instanceof NotFoundException || e instanceof EnclaveStorageException
                    || e instanceof InvalidStateTransitionException) {
                err.println("enclave egress " + c.getCommandName() + ": " + e.getMessage());
                err.flush();
                return 1;
            }
            if (e instanceof AccessDeniedException) {
                err.println("enclave egress " + c.getCommandName() + ": " + e.getMessage());
                err.flush();
                return 3;
            }
            err.println("enclave egress " + c.getCommandName() + ": unexpected error: " + e);
            e.printStackTrace(err);
            err.flush();
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
