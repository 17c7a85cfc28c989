package jp.nmi.enclave.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code enclave egress}: listed here so that {@code ./enclave --help} shows it. The launcher runs
 * the egress service's own command line ({@code jp.nmi.egress.cli.EgressCli}) in a JVM without
 * Spark; this class is only reached when the CLI is started some other way.
 */
@Command(name = "egress",
        description = {
            "Run the egress service (review and release of outputs).",
            "The egress service: quarantine, automatic disclosure checks, two independent stewards, release of exactly the",
            "reviewed bytes (web pages and REST API). Runs in its own JVM: ./enclave egress --help, ./enclave egress serve."})
final class EgressCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", hidden = true)
    java.util.List<String> args;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("enclave egress: run it through the launcher (./enclave egress "
                + (args == null ? "" : String.join(" ", args)) + "): the egress service runs in a JVM of its own, without Spark");
        return EnclaveCli.EXIT_USAGE;
    }
}
