package jp.nmi.enclave.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.io.ConsoleProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave demo-data}: writes the synthetic demo world's source files. */
@Command(name = "demo-data",
        mixinStandardHelpOptions = true,
        description = {
            "Write the synthetic demo world as source files.",
            "Write the synthetic demo world as the source files a hospital or biobank would hand over:",
            "participants.csv (with direct identifiers), consents.csv (DUO codes, commercial-use flag), diagnoses.csv",
            "(ICD-10), samples.csv, lab_results.csv, clinical_notes.csv, genotypes.vcf, optout.csv (opt-out requests",
            "received) and demo-world.json. The same parameters always give the same files. Every name, address,",
            "phone and insurance number is invented."})
final class DemoDataCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--participants", paramLabel = "N", defaultValue = "2000", description = "Participants (default: ${DEFAULT-VALUE}).")
    int participants;

    @Option(names = "--variants", paramLabel = "M", defaultValue = "500", description = "Biallelic variant sites (default: ${DEFAULT-VALUE}).")
    int variants;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "A new or empty directory to write into.")
    Path out;

    @Override
    public Integer call() throws Exception {
        DemoWorld.Parameters parameters = new DemoWorld.Parameters(participants, variants, seed);
        DemoWorld.Summary s = DemoWorld.write(parameters, out, new ConsoleProgress(System.err, 2000));
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "Wrote the demo world to %s: %,d participants, %,d diagnoses, %,d samples, %,d lab results, %,d clinical notes,"
                        + " %,d variants (%,d non-reference genotypes), %,d opt-out requests (optout.csv).",
                s.directory(), s.participants(), s.diagnoses(), s.samples(), s.labResults(), s.clinicalNotes(), s.variants(),
                s.nonReferenceGenotypes(), s.optouts()));
        spec.commandLine().getOut().flush();
        return EnclaveCli.EXIT_OK;
    }
}
