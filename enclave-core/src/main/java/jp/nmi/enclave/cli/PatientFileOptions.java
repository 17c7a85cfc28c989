package jp.nmi.enclave.cli;

import jp.nmi.enclave.project.OptoutApplier;
import picocli.CommandLine.Option;

/** How a file of the provider's patients (opt-outs, consent changes) is checked before anything is recorded. */
final class PatientFileOptions {
    @Option(names = "--id-format", paramLabel = "REGEX", defaultValue = OptoutApplier.DEFAULT_ID_FORMAT,
            description = "The provider's patient ID format; an ID that does not match refuses the whole file (default: ${DEFAULT-VALUE}).")
    String idFormat;
    @Option(names = "--dry-run", description = "Check the file and show what it would do to each open project; record nothing.")
    boolean dryRun;
    @Option(names = "--allow-unknown",
            description = "Record IDs that match no patient the enclave knows (refused otherwise, with the lines listed).")
    boolean allowUnknown;
}
