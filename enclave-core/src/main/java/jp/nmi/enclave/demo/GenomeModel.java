package jp.nmi.enclave.demo;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import jp.nmi.enclave.demo.DemoWorld.Person;
import jp.nmi.enclave.io.Progress;

/**
 * Biallelic variant sites and genotypes. Allele frequencies vary per variant (most rare, some
 * common) and slightly per region of origin; genotypes follow Hardy-Weinberg proportions, so most
 * calls are 0/0. One variant is enriched among breast-cancer cases and one among dementia cases,
 * so analyses have something to find.
 */
final class GenomeModel {
    private static final char[] BASES = {'A', 'C', 'G', 'T'};
    private static final String[] REGIONS = jp.nmi.enclave.dataset.Region.labels().toArray(new String[0]);
    private static final double MISSING_RATE = 0.003;

    private final int[] chrom;
    private final long[] pos;
    private final char[] ref;
    private final char[] alt;
    /** Allele frequency per variant and region. */
    private final double[][] frequency;
    private final int breastCancerVariant;
    private final int dementiaVariant;

    GenomeModel(int variants, SplittableRandom rnd) {
        chrom = new int[variants];
        pos = new long[variants];
        ref = new char[variants];
        alt = new char[variants];
        frequency = new double[variants][REGIONS.length];
        // Positions keep 10 kb away from both ends of each chromosome.
        long usable = Arrays.stream(ReferenceData.CHROMOSOME_LENGTHS).sum() - 20_000L * ReferenceData.CHROMOSOME_LENGTHS.length;
        Set<Long> taken = new HashSet<>();
        long[] keys = new long[variants];
        for (int i = 0; i < variants; i++) {
            long key;
            do {
                long offset = rnd.nextLong(usable);
                int c = 0;
                long start = 0;
                while (offset >= start + ReferenceData.CHROMOSOME_LENGTHS[c] - 20_000) {
                    start += ReferenceData.CHROMOSOME_LENGTHS[c] - 20_000;
                    c++;
                }
                key = ((long) (c + 1) << 40) | (offset - start + 10_000);
                // c stays below 22 because offset < usable, the sum of the usable lengths
            } while (!taken.add(key));
            keys[i] = key;
        }
        Arrays.sort(keys); // VCF order: chromosome, then position
        for (int i = 0; i < variants; i++) {
            chrom[i] = (int) (keys[i] >>> 40);
            pos[i] = keys[i] & ((1L << 40) - 1);
            int r = rnd.nextInt(4);
            int a = (r + 1 + rnd.nextInt(3)) % 4;
            ref[i] = BASES[r];
            alt[i] = BASES[a];
            double u = rnd.nextDouble();
            double base;
            if (u < 0.55) {
                base = 0.0005 + 0.0095 * rnd.nextDouble();
            } else if (u < 0.80) {
                base = 0.01 + 0.04 * rnd.nextDouble();
            } else {
                base = 0.05 + 0.45 * rnd.nextDouble();
            }
            for (int g = 0; g < REGIONS.length; g++) {
                frequency[i][g] = Math.min(0.95, base * Math.exp(0.2 * ClinicalModel.gaussian(rnd)));
            }
        }
        breastCancerVariant = variants >= 3 ? variants / 3 : -1;
        dementiaVariant = variants >= 3 ? (2 * variants) / 3 : -1;
        if (breastCancerVariant >= 0) {
            Arrays.fill(frequency[breastCancerVariant], 0.04);
            Arrays.fill(frequency[dementiaVariant], 0.12);
        }
    }

    long writeVcf(List<Person> people, Path file, SplittableRandom rnd, Progress progress) throws IOException {
        int[] regionOf = new int[people.size()];
        for (int i = 0; i < people.size(); i++) {
            regionOf[i] = Arrays.asList(REGIONS).indexOf(people.get(i).region);
        }
        long nonReference = 0;
        try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.US_ASCII), 1 << 20);
                Progress.Task task = progress.start("genotypes.vcf", chrom.length)) {
            w.write("##fileformat=VCFv4.2\n");
            w.write("##source=enclave-demo-data\n");
            w.write("##reference=GRCh38\n");
            for (int c = 0; c < ReferenceData.CHROMOSOME_LENGTHS.length; c++) {
                w.write("##contig=<ID=" + (c + 1) + ",length=" + ReferenceData.CHROMOSOME_LENGTHS[c] + ">\n");
            }
            w.write("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
            StringBuilder line = new StringBuilder(64 + 4 * people.size());
            line.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
            for (Person p : people) {
                line.append('\t').append(p.patientId);
            }
            w.append(line).append('\n');
            for (int v = 0; v < chrom.length; v++) {
                line.setLength(0);
                line.append(chrom[v]).append('\t').append(pos[v]).append("\t.\t").append(ref[v]).append('\t').append(alt[v])
                        .append("\t.\tPASS\t.\tGT");
                for (int i = 0; i < people.size(); i++) {
                    Person p = people.get(i);
                    double f = frequency[v][regionOf[i]];
                    if (v == breastCancerVariant && p.hasBreastCancer) {
                        f = Math.min(0.95, f * 4);
                    } else if (v == dementiaVariant && p.hasDementia) {
                        f = Math.min(0.95, f * 3);
                    }
                    double u = rnd.nextDouble();
                    if (u >= 1 - MISSING_RATE) {
                        line.append("\t./.");
                        continue;
                    }
                    u /= (1 - MISSING_RATE);
                    if (u < f * f) {
                        line.append("\t1/1");
                        nonReference++;
                    } else if (u < f * f + 2 * f * (1 - f)) {
                        line.append(rnd.nextBoolean() ? "\t0/1" : "\t1/0");
                        nonReference++;
                    } else {
                        line.append("\t0/0");
                    }
                }
                w.append(line).append('\n');
                task.advance(1);
            }
        }
        return nonReference;
    }

    List<String> variantIds() {
        List<String> ids = new ArrayList<>(chrom.length);
        for (int v = 0; v < chrom.length; v++) {
            ids.add(String.format(Locale.ROOT, "%d:%d:%c:%c", chrom[v], pos[v], ref[v], alt[v]));
        }
        return ids;
    }
}
