package jp.nmi.enclave.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureChecker;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Report;

/**
 * Disclosure checks on a large crosstab: N rows over three categorical variables with a magnitude
 * column, every check on (threshold, zeros, N-K, p%, suppression with its LP audit, differencing
 * against a release history), reported as rows per second, against reading the same CSV in the
 * same run.
 */
public final class DisclosureBenchmark {
    private static final String[] SEX = {"F", "M"};
    private static final String[] REGION = jp.nmi.enclave.dataset.Region.labels().toArray(new String[0]);
    private static final String[] BAND = {"20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90-99"};

    private DisclosureBenchmark() {}

    public static void run(int rows, int repetitions, Path work, PrintWriter out) throws IOException {
        Files.createDirectories(work);
        Path csv = work.resolve("disclosure-v2-" + rows + ".csv");
        if (!Files.exists(csv)) {
            SplittableRandom rnd = new SplittableRandom(3);
            try (BufferedWriter w = Files.newBufferedWriter(csv)) {
                w.write("participant_id,sex,region,age_band,cost\n");
                for (int i = 0; i < rows; i++) {
                    // a person appears a few times; regions and bands skewed, so that some cells are small
                    int person = rnd.nextInt(Math.max(1, rows / 3));
                    // skewed: the last regions and bands are rare, so some cells are small
                    String region = REGION[Math.min(REGION.length - 1, (int) Math.abs(rnd.nextGaussian() * 1.4))];
                    String band = BAND[Math.min(BAND.length - 1, (int) Math.abs(rnd.nextGaussian() * 3))];
                    w.write("p" + person + "," + SEX[rnd.nextInt(2)] + "," + region + "," + band + ","
                            + String.format(Locale.ROOT, "%.2f", Math.exp(rnd.nextGaussian() + 5)) + "\n");
                }
            }
        }
        String spec = "crosstab index=sex,region columns=age_band values=cost aggfunc=sum margins=true";
        double read = Double.MAX_VALUE;
        double check = Double.MAX_VALUE;
        Report report = null;
        for (int i = 0; i < repetitions; i++) {
            long t0 = System.nanoTime();
            Data data = Data.readCsv(csv);
            read = Math.min(read, (System.nanoTime() - t0) / 1e9);
            Path history = Files.createTempDirectory(work, "history-");
            long t1 = System.nanoTime();
            report = DisclosureChecker.check(Profile.named("acro"), Data.readCsv(csv), spec,
                    new DisclosureChecker.Options(true, null, history, null));
            check = Math.min(check, (System.nanoTime() - t1) / 1e9);
            if (data.size() != rows) {
                throw new IllegalStateException("read " + data.size() + " rows, wrote " + rows);
            }
        }
        out.printf(Locale.ROOT, "%,d rows, spec '%s', profile acro, suppression and differencing on%n", rows, spec);
        out.printf(Locale.ROOT, "  read CSV only:      %6.2f s  %,12.0f rows/s (best of %d)%n", read, rows / read, repetitions);
        out.printf(Locale.ROOT, "  read + all checks:  %6.2f s  %,12.0f rows/s (best of %d)%n", check, rows / check, repetitions);
        out.printf(Locale.ROOT, "  ratio checks / read: %.2f; report status %s, %d cells suppressed%n", check / read,
                report.status().label(), report.suppressed().size());
        out.flush();
    }
}
