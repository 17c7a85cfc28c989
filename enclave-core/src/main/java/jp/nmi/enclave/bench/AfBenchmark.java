package jp.nmi.enclave.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.dataset.AgeBands;
import jp.nmi.enclave.dataset.Region;
import jp.nmi.enclave.genomics.AlleleFrequencies;
import jp.nmi.enclave.genomics.AlleleIndex;
import jp.nmi.enclave.genomics.Attribute;
import jp.nmi.enclave.genomics.HdfsQueryBudget;
import jp.nmi.enclave.genomics.Stratum;
import jp.nmi.enclave.genomics.VariantSelection;
import jp.nmi.enclave.io.Progress;

/**
 * {@code ./enclave bench af}: the allele-frequency index against plink2 on the same cohort, in the
 * same run. A cohort of N participants (age band, sex, region, ICD-10 categories) and M biallelic
 * variants is written as a plink .bed/.bim/.fam set; the index is built from the same .bed; then one
 * arbitrary four-attribute stratum over all variants, and every per-attribute stratum (11 age bands,
 * 2 sexes, 8 regions, 49 disease categories: 70), by the index and by {@code plink2 --keep --freq}
 * and {@code --loop-cats}; the counts are compared, every one.
 */
public final class AfBenchmark {
    /** 49 ICD-10 categories: with 11 age bands, 2 sexes and 8 regions, the 70 per-attribute strata. */
    static final List<String> DISEASES = List.of("I10", "E11", "E78", "I25", "J45", "M81", "K74", "N18", "I48", "F03", "G30", "C50",
            "C34", "C18", "C16", "I50", "I63", "J44", "E03", "E05", "F32", "G20", "F00", "F01", "C61", "C22", "C25", "C20", "C43", "C53",
            "C54", "C56", "C64", "C67", "C71", "C73", "C80", "C90", "C91", "C92", "E14", "E66", "F20", "G35", "G40", "I20", "I21", "K70",
            "M05");

    private final int n;
    private final int m;
    private final long seed;
    private final String[] ageBand;
    private final String[] sex;
    private final String[] region;
    private final List<List<String>> icd10;

    private AfBenchmark(int n, int m, long seed) {
        this.n = n;
        this.m = m;
        this.seed = seed;
        ageBand = new String[n];
        sex = new String[n];
        region = new String[n];
        icd10 = new ArrayList<>(n);
        SplittableRandom r = new SplittableRandom(seed);
        List<String> bands = AgeBands.labels();
        double[] bandWeights = {0.01, 0.02, 0.06, 0.10, 0.14, 0.18, 0.20, 0.16, 0.09, 0.035, 0.005};
        List<String> regions = Region.labels();
        double[] regionWeights = {0.04, 0.07, 0.34, 0.17, 0.18, 0.06, 0.03, 0.11};
        for (int p = 0; p < n; p++) {
            ageBand[p] = bands.get(draw(r, bandWeights));
            sex[p] = r.nextBoolean() ? "F" : "M";
            region[p] = regions.get(draw(r, regionWeights));
            List<String> codes = new ArrayList<>(3);
            int k = 1 + (r.nextInt(10) < 3 ? 1 : 0) + (r.nextInt(10) < 1 ? 1 : 0);
            for (int i = 0; i < k; i++) {
                // a skewed spread: common chronic diseases often, rare cancers seldom
                String cat = DISEASES.get(Math.min(DISEASES.size() - 1, (int) Math.floor(Math.abs(r.nextGaussian()) * 16)));
                String code = cat + "." + r.nextInt(10);
                if (!codes.contains(code)) {
                    codes.add(code);
                }
            }
            icd10.add(codes);
        }
    }

    private static int draw(SplittableRandom r, double[] weights) {
        double u = r.nextDouble();
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    static String iid(int p) {
        return String.format("P%07d", p);
    }

    /** The variant's alternative allele frequency: many rare, some common, a few where the alternative is the major allele. */
    double frequency(int v) {
        double f = Math.pow(new SplittableRandom(seed * 1_000_003L + v).nextDouble(), 3) * 0.5;
        return v % 7 == 0 ? 1 - f : f;
    }

    /** Genotypes of one variant as plink .bed bytes (00 two ALT, 10 het, 11 two REF; A1 = ALT). */
    byte[] bedRow(int v) {
        byte[] row = new byte[(n + 3) / 4];
        double f = frequency(v);
        double pRef = (1 - f) * (1 - f);
        double pHet = pRef + 2 * f * (1 - f);
        SplittableRandom r = new SplittableRandom(seed * 31 + v * 7919L);
        for (int p = 0; p < n; p++) {
            double u = r.nextDouble();
            int code = u < pRef ? 0b11 : u < pHet ? 0b10 : 0b00;
            row[p >>> 2] |= (byte) (code << ((p & 3) << 1));
        }
        // padding bits of the last byte: 00 is what plink writes
        return row;
    }

    /** Decodes a .bed row into the index's two planes. */
    static void planes(byte[] row, int n, long[] het, long[] hom) {
        java.util.Arrays.fill(het, 0);
        java.util.Arrays.fill(hom, 0);
        for (int p = 0; p < n; p++) {
            int code = (row[p >>> 2] >>> ((p & 3) << 1)) & 0b11;
            if (code == 0b10) {
                het[p >>> 6] |= 1L << (p & 63);
            } else if (code == 0b00) {
                hom[p >>> 6] |= 1L << (p & 63);
            } else if (code == 0b01) {
                throw new IllegalStateException("missing genotypes are not generated");
            }
        }
    }

    public static void run(int participants, int variants, long seed, Path work, String plink2, Progress progress, PrintWriter out)
            throws Exception {
        Files.createDirectories(work);
        AfBenchmark b = new AfBenchmark(participants, variants, seed);
        Path dir = work.resolve("af-" + participants + "x" + variants + "-" + seed);
        Files.createDirectories(dir);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("participants", participants);
        report.put("variants", variants);

        // 1. the cohort as plink files (kept: a second run reuses them)
        Path bed = dir.resolve("cohort.bed");
        if (!Files.exists(dir.resolve("cohort.done"))) {
            long t0 = System.nanoTime();
            b.writePlink(dir, progress);
            Files.writeString(dir.resolve("cohort.done"), "");
            out.printf(Locale.ROOT, "cohort written: %,d x %,d (%.1f s) in %s%n", participants, variants, seconds(t0), dir);
        }
        out.printf(Locale.ROOT, "cohort: %,d participants x %,d variants, .bed %,d MB%n", participants, variants, Files.size(bed) >> 20);
        out.flush();

        // 2. the index from the same .bed
        long t0 = System.nanoTime();
        AlleleIndex index = b.index(bed, progress);
        double build = seconds(t0);
        Path indexFile = dir.resolve("cohort.idx");
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(indexFile), 1 << 20)) {
            index.write(o);
        }
        report.put("index_build_s", build);
        report.put("index_bytes", Files.size(indexFile));
        report.put("bed_bytes", Files.size(bed));
        out.printf(Locale.ROOT, "index: built in %.1f s, %,d MB (the .bed: %,d MB)%n", build, Files.size(indexFile) >> 20, Files.size(bed) >> 20);
        out.flush();

        AlleleFrequencies af = new AlleleFrequencies("BENCH", index, new AlleleFrequencies.Policy(10, 1_000_000),
                HdfsQueryBudget.inMemory(), new FileAuditLog(dir.resolve("audit.jsonl")));
        Stratum four = Stratum.parse("age_band=60-69,sex=M,region=Kanto,disease=F03");
        int fourN = AlleleIndex.count(index.mask(four));
        report.put("stratum", four.toString());
        report.put("stratum_participants", fourN);

        // 3. one four-attribute stratum, all variants: the index (best of 5 after a warm-up) and plink2 --keep --freq
        List<Double> ours = new ArrayList<>();
        AlleleFrequencies.Answer answer = null;
        for (int i = 0; i < 6; i++) {
            long s = System.nanoTime();
            answer = af.query("bench-" + i, four, new VariantSelection.All());
            if (i > 0) {
                ours.add(seconds(s));
            }
        }
        double oursOne = ours.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        // the counting alone, without the service's records (budget, what was answered, the audit log forced to disk)
        double engine = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long s = System.nanoTime();
            index.genotypeCounts(index.mask(four), 0, variants);
            engine = Math.min(engine, seconds(s));
        }
        report.put("one_stratum_counting_s", engine);
        Path keep = dir.resolve("stratum.keep");
        b.writeKeep(four, index, keep);
        long p0 = System.nanoTime();
        run(dir, plink2, "--bfile", "cohort", "--keep", keep.getFileName().toString(), "--freq", "counts", "--out", "one");
        double plinkOne = seconds(p0);
        int checked = compare(index, four, dir.resolve("one.acount"));
        report.put("one_stratum_s", oursOne);
        report.put("one_stratum_plink2_s", plinkOne);
        out.printf(Locale.ROOT, "one stratum (%s, %,d participants), all %,d variants: index %.3f s, plink2 --keep --freq %.2f s (%.0fx);"
                + " %,d variants' counts identical (the counting alone: %.3f s; the rest is the service's records and the audit log"
                + " forced to disk)%n", four, fourN, answer.rows().size(), oursOne, plinkOne, plinkOne / oursOne, checked, engine);
        out.flush();

        // 4. the 70 per-attribute strata: the index, and plink2 --loop-cats (age band, sex, region) plus --keep per disease
        List<Double> tables = new ArrayList<>();
        int strata = 0;
        int rows = 0;
        List<AlleleFrequencies.Answer> last = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            last.clear();
            long s = System.nanoTime();
            strata = 0;
            rows = 0;
            for (Attribute a : Attribute.values()) {
                AlleleFrequencies.Answer t = af.byAttribute("tables-" + i, Stratum.ALL, a, new VariantSelection.All());
                strata += t.rows().size() / variants + t.withheld();
                rows += t.rows().size();
                last.add(t);
            }
            tables.add(seconds(s));
        }
        double oursAll = tables.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        // what the answers take to write out as CSV, apart (plink2's times include writing its files)
        long w0 = System.nanoTime();
        long chars = 0;
        for (AlleleFrequencies.Answer t : last) {
            java.io.StringWriter sink = new java.io.StringWriter();
            jp.nmi.enclave.genomics.AfOutput.csv(t, sink);
            chars += sink.getBuffer().length();
        }
        double csv = seconds(w0);
        report.put("all_strata_csv_s", csv);
        b.writeCategories(dir.resolve("strata.pheno"));
        long q0 = System.nanoTime();
        for (String cat : List.of("AGE_BAND", "SEX", "REGION")) {
            run(dir, plink2, "--bfile", "cohort", "--pheno", "strata.pheno", "--loop-cats", cat, "--freq", "counts", "--out", "cats-" + cat);
        }
        for (String d : DISEASES) {
            Path k = dir.resolve("d-" + d + ".keep");
            b.writeKeep(Stratum.parse("disease=" + d), index, k);
            run(dir, plink2, "--bfile", "cohort", "--keep", k.getFileName().toString(), "--freq", "counts", "--out", "d-" + d);
        }
        double plinkAll = seconds(q0);
        int compared = 0;
        for (String band : AgeBands.labels()) {
            Path f = dir.resolve("cats-AGE_BAND." + category(band) + ".acount");
            if (Files.exists(f)) {
                compared += compare(index, Stratum.parse("age_band=" + band), f);
            }
        }
        for (String s : List.of("F", "M")) {
            compared += compare(index, Stratum.parse("sex=" + s), dir.resolve("cats-SEX." + category(s) + ".acount"));
        }
        for (String r : Region.labels()) {
            compared += compare(index, Stratum.parse("region=" + r), dir.resolve("cats-REGION." + category(r) + ".acount"));
        }
        for (String d : DISEASES) {
            compared += compare(index, Stratum.parse("disease=" + d), dir.resolve("d-" + d + ".acount"));
        }
        report.put("strata", strata);
        report.put("all_strata_s", oursAll);
        report.put("all_strata_plink2_s", plinkAll);
        report.put("compared_counts", compared);
        out.printf(Locale.ROOT, "%d per-attribute strata (%,d rows answered): index %.3f s (and %.1f s more to write them as %,d MB"
                + " of CSV), plink2 --loop-cats/--keep %.1f s (%.0fx); %,d stratum-variant counts identical%n", strata, rows, oursAll, csv,
                chars >> 20, plinkAll, plinkAll / oursAll, compared);
        out.flush();
        Files.createDirectories(Path.of("bench-results"));
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(Path.of("bench-results", "af.json").toFile(), report);
        out.println("written: bench-results/af.json");
        out.flush();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** A plink2 categorical value: must not look like a number. */
    static String category(String value) {
        return "c" + value.replace("+", "plus");
    }

    private void writePlink(Path dir, Progress progress) throws IOException {
        try (BufferedWriter fam = Files.newBufferedWriter(dir.resolve("cohort.fam"), StandardCharsets.US_ASCII)) {
            for (int p = 0; p < n; p++) {
                fam.write("0\t" + iid(p) + "\t0\t0\t" + (sex[p].equals("M") ? 1 : 2) + "\t-9\n");
            }
        }
        try (BufferedWriter bim = Files.newBufferedWriter(dir.resolve("cohort.bim"), StandardCharsets.US_ASCII)) {
            for (int v = 0; v < m; v++) {
                AlleleIndex.Variant x = variant(v);
                bim.write(x.chrom() + "\t" + x.id() + "\t0\t" + x.pos() + "\t" + x.alt() + "\t" + x.ref() + "\n");
            }
        }
        int block = 256;
        try (OutputStream bed = new BufferedOutputStream(Files.newOutputStream(dir.resolve("cohort.bed")), 1 << 22);
                Progress.Task task = progress.start("cohort.bed (variants)", m)) {
            bed.write(new byte[] {0x6c, 0x1b, 0x01});
            for (int from = 0; from < m; from += block) {
                int start = from;
                byte[][] rows = IntStream.range(start, Math.min(m, start + block)).parallel().mapToObj(this::bedRow).toArray(byte[][]::new);
                for (byte[] row : rows) {
                    bed.write(row);
                }
                task.advance(rows.length);
            }
        }
    }

    AlleleIndex.Variant variant(int v) {
        int chrom = 1 + (int) ((long) v * 22 / m);
        return new AlleleIndex.Variant("v" + v, Integer.toString(chrom), 10_000 + v * 97, "A", "G");
    }

    private AlleleIndex index(Path bed, Progress progress) throws IOException {
        AlleleIndex.Builder b = new AlleleIndex.Builder();
        for (int p = 0; p < n; p++) {
            b.participant(iid(p), ageBand[p], sex[p], region[p], icd10.get(p));
        }
        for (int v = 0; v < m; v++) {
            b.variant(variant(v));
        }
        int bytes = (n + 3) / 4;
        int words = (n + 63) >>> 6;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(bed), 1 << 22);
                Progress.Task task = progress.start("index from cohort.bed (variants)", m)) {
            byte[] magic = in.readNBytes(3);
            if (magic.length != 3 || magic[0] != 0x6c || magic[1] != 0x1b || magic[2] != 0x01) {
                throw new IOException(bed + " is not a variant-major plink .bed");
            }
            int block = 256;
            for (int from = 0; from < m; from += block) {
                int count = Math.min(block, m - from);
                byte[][] rows = new byte[count][];
                for (int i = 0; i < count; i++) {
                    rows[i] = in.readNBytes(bytes);
                    if (rows[i].length != bytes) {
                        throw new IOException(bed + " ends early");
                    }
                }
                long[][] het = new long[count][words];
                long[][] hom = new long[count][words];
                IntStream.range(0, count).parallel().forEach(i -> planes(rows[i], n, het[i], hom[i]));
                for (int i = 0; i < count; i++) {
                    b.variantPlanes(from + i, het[i], hom[i]);
                }
                task.advance(count);
            }
        }
        return b.build();
    }

    private void writeKeep(Stratum s, AlleleIndex index, Path file) throws IOException {
        long[] mask = index.mask(s);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("#FID\tIID\n");
            for (int p = 0; p < n; p++) {
                if ((mask[p >>> 6] & (1L << (p & 63))) != 0) {
                    w.write("0\t" + iid(p) + "\n");
                }
            }
        }
    }

    private void writeCategories(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("#FID\tIID\tAGE_BAND\tSEX\tREGION\n");
            for (int p = 0; p < n; p++) {
                w.write("0\t" + iid(p) + "\t" + category(ageBand[p]) + "\t" + category(sex[p]) + "\t" + category(region[p]) + "\n");
            }
        }
    }

    /** The index's exact counts of the stratum against a plink2 .acount file, every variant; the number compared. */
    private static int compare(AlleleIndex index, Stratum s, Path acount) throws IOException {
        long[] mask = index.mask(s);
        int n = AlleleIndex.count(mask);
        int[] counts = index.genotypeCounts(s, java.util.Set.of(), 0, index.variants().size());
        Map<String, Integer> at = new HashMap<>();
        for (int v = 0; v < index.variants().size(); v++) {
            at.put(index.variants().get(v).id(), v);
        }
        int compared = 0;
        try (var lines = Files.lines(acount)) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                int v = at.get(f[1]);
                int ac = counts[2 * v] + 2 * counts[2 * v + 1];
                if (Integer.parseInt(f[4]) != ac || Integer.parseInt(f[5]) != 2 * n) {
                    throw new IllegalStateException(s + " " + f[1] + ": the index counts " + ac + "/" + 2 * n + ", plink2 " + f[4] + "/" + f[5]);
                }
                compared++;
            }
        }
        if (compared != index.variants().size()) {
            throw new IllegalStateException(acount + " has " + compared + " variants, the index " + index.variants().size());
        }
        return compared;
    }

    private static void run(Path dir, String plink2, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(plink2);
        command.addAll(List.of(args));
        // the same two cores, and memory within the machine's share beside this JVM
        command.addAll(List.of("--threads", "2", "--memory", "4000"));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("plink2.log").toFile()).start();
        } catch (IOException e) {
            throw new jp.nmi.enclave.error.ValidationException("cannot run " + plink2 + " (Debian's plink2: apt-get install plink2, as"
                    + " infra/test.sh does; or --plink2 PATH): " + e.getMessage());
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("plink2 " + String.join(" ", args) + " failed: " + Files.readString(dir.resolve("plink2.log")));
        }
    }
}
