package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureChecker;
import jp.nmi.egress.disclosure.DisclosureException;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.enclave.error.ValidationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave disclosure}: statistical disclosure checks of outputs. */
@Command(name = "disclosure", mixinStandardHelpOptions = true,
        description = "Statistical disclosure checks of an output, by the rules trusted research environments use.",
        subcommands = {DisclosureCommand.CheckOutput.class})
final class DisclosureCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {
                "Check an output for disclosure, from its row-level data.",
                "Rebuild an output from its row-level data and check it: threshold, zeros, N-K dominance, p%, degrees of",
                "freedom, survival counts, rounding, and (with --history) differencing against the project's releases.",
                "The report's status is pass, review or fail; the command exits 0 whenever the check ran."},
            footer = {"", "SPEC: 'crosstab index=a,b columns=c [margins=true]', 'crosstab index=a columns=b values=x aggfunc=sum|mean|median|std',",
                "'ols y ~ x1 + x2', 'logit y ~ x1', 'probit y ~ x1', 'hist x bins=10', 'km time event group=g'; every kind takes",
                "id=<column> for the contributor (default: participant_id if the data has it, else each row)."})
    static final class CheckOutput implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--profile", required = true, paramLabel = "P", description = "ndb, acro, opensafely or all-of-us.")
        String profile;

        @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "The row-level data the output is made from.")
        Path data;

        @Option(names = "--spec", required = true, paramLabel = "SPEC", description = "What the output is (see below).")
        String outputSpec;

        @Option(names = "--suppress", description = "Suppress failing cells and what protects them (audited), and apply the profile's rounding.")
        boolean suppress;

        @Option(names = "--round", paramLabel = "METHOD", description = "Round counts: nearest (to the profile's base, else 5) or midpoint6.")
        String round;

        @Option(names = "--history", paramLabel = "DIR", description = "The project's release history, for the differencing check.")
        Path history;

        @Option(names = "--record-release", paramLabel = "ID", description = "Record this table in --history as release ID (once it is approved).")
        String recordRelease;

        @Option(names = "--format", defaultValue = "json", paramLabel = "FORMAT", description = "json (default) or text.")
        String format;

        @Override
        public Integer call() {
            if (round != null && !round.equals("nearest") && !round.equals("midpoint6")) {
                throw new ValidationException("--round must be nearest or midpoint6, got '" + round + "'");
            }
            if (recordRelease != null && history == null) {
                throw new ValidationException("--record-release needs --history DIR");
            }
            if (!format.equals("json") && !format.equals("text")) {
                throw new ValidationException("--format must be json or text, got '" + format + "'");
            }
            Report report;
            try {
                report = DisclosureChecker.check(Profile.named(profile), Data.readCsv(data), outputSpec,
                        new DisclosureChecker.Options(suppress, round, history, recordRelease));
            } catch (DisclosureException e) {
                throw new ValidationException(e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("json")) {
                out.println(report.toJson(true));
            } else {
                out.println(report.status().label().toUpperCase(java.util.Locale.ROOT) + " under " + report.profile().name() + " ("
                        + report.profile().description() + ")");
                for (Check c : report.checks()) {
                    out.printf("  %-18s %-6s %s%n", c.rule().label(), c.status().label(), c.detail());
                }
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }
}
