package jp.nmi.enclave.genomics;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jp.nmi.enclave.dataset.AgeBands;
import jp.nmi.enclave.dataset.Region;

/**
 * A deterministic cohort for tests and benchmarks: participants with the four attributes, biallelic
 * variants with allele frequencies from rare to common, and genotypes in Hardy-Weinberg
 * proportions. It builds an {@link AlleleIndex} directly and writes the same data as a VCF and
 * plink2 {@code --keep} files, so that the enclave's counts can be compared with plink2's.
 */
public final class SyntheticCohort {
    /** The disease categories drawn (3-character ICD-10), each participant having none, one or two. */
    static final List<String> DISEASES = List.of("C50", "C34", "C18", "C16", "C61", "F03", "F00", "G30", "E11", "I10", "I21", "J45", "K74",
            "M05", "N18");

    public final int participants;
    public final int variants;
    final String[] ageBand;
    final String[] sex;
    final String[] region;
    final List<List<String>> icd10;
    final double[] frequency;
    /** Genotypes, participant-major: {@code alt[p * variants + v]} in 0..2. */
    final byte[] alt;

    public SyntheticCohort(int participants, int variants, long seed) {
        this.participants = participants;
        this.variants = variants;
        SplittableRandom r = new SplittableRandom(seed);
        ageBand = new String[participants];
        sex = new String[participants];
        region = new String[participants];
        icd10 = new ArrayList<>(participants);
        List<String> bands = AgeBands.labels().subList(2, 10); // 20-29 .. 90-99, as the demo world's adults
        List<String> regions = Region.labels();
        for (int p = 0; p < participants; p++) {
            ageBand[p] = bands.get(r.nextInt(bands.size()));
            sex[p] = r.nextBoolean() ? "F" : "M";
            region[p] = regions.get(Math.min(regions.size() - 1, (int) Math.floor(Math.abs(r.nextGaussian()) * 2.5)));
            List<String> codes = new ArrayList<>();
            int k = r.nextInt(10) < 6 ? 1 : r.nextInt(3);
            for (int i = 0; i < k; i++) {
                String cat = DISEASES.get(Math.min(DISEASES.size() - 1, (int) Math.floor(Math.abs(r.nextGaussian()) * 4)));
                String code = cat + "." + r.nextInt(10);
                if (!codes.contains(code)) {
                    codes.add(code);
                }
            }
            icd10.add(codes);
        }
        frequency = new double[variants];
        for (int v = 0; v < variants; v++) {
            // many rare variants, some common: a U-shaped site-frequency spectrum, folded at 0.5
            double f = Math.pow(r.nextDouble(), 3) * 0.5;
            frequency[v] = v % 7 == 0 ? 1 - f : f; // a few where the alternative is the major allele
        }
        alt = new byte[Math.multiplyExact(participants, variants)];
        for (int p = 0; p < participants; p++) {
            for (int v = 0; v < variants; v++) {
                double f = frequency[v];
                int a = (r.nextDouble() < f ? 1 : 0) + (r.nextDouble() < f ? 1 : 0);
                alt[p * variants + v] = (byte) a;
            }
        }
    }

    /** The first woman, by number. */
    public int firstWoman() {
        for (int p = 0; p < participants; p++) {
            if (sex[p].equals("F")) {
                return p;
            }
        }
        throw new IllegalStateException("no woman in the cohort");
    }

    public String participantId(int p) {
        return String.format("P%07d", p);
    }

    public AlleleIndex.Variant variant(int v) {
        int chrom = 1 + v * 22 / variants;
        return new AlleleIndex.Variant("v" + v, Integer.toString(chrom), 10_000 + v * 137, "A", "G");
    }

    public int altCount(int p, int v) {
        return alt[p * variants + v];
    }

    public AlleleIndex index() {
        AlleleIndex.Builder b = new AlleleIndex.Builder();
        for (int p = 0; p < participants; p++) {
            b.participant(participantId(p), ageBand[p], sex[p], region[p], icd10.get(p));
        }
        for (int v = 0; v < variants; v++) {
            b.variant(variant(v));
        }
        for (int p = 0; p < participants; p++) {
            for (int v = 0; v < variants; v++) {
                int a = altCount(p, v);
                if (a > 0) {
                    b.genotype(participantId(p), variant(v).id(), a);
                }
            }
        }
        return b.build();
    }

    /** Whether participant {@code p} is in {@code s} (the definition the index must agree with). */
    public boolean in(Stratum s, int p) {
        for (var e : s.values().entrySet()) {
            boolean any = switch (e.getKey()) {
                case AGE_BAND -> e.getValue().contains(ageBand[p]);
                case SEX -> e.getValue().contains(sex[p]);
                case REGION -> e.getValue().contains(region[p]);
                case DISEASE -> icd10.get(p).stream().anyMatch(c -> e.getValue().stream().anyMatch(c::startsWith));
            };
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /** The cohort as a VCF 4.2 (unphased GT only), the form plink2 reads with {@code --vcf}. */
    public void writeVcf(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("##fileformat=VCFv4.2\n");
            for (int c = 1; c <= 22; c++) {
                w.write("##contig=<ID=" + c + ">\n");
            }
            w.write("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
            w.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
            for (int p = 0; p < participants; p++) {
                w.write('\t');
                w.write(participantId(p));
            }
            w.write('\n');
            StringBuilder line = new StringBuilder();
            for (int v = 0; v < variants; v++) {
                AlleleIndex.Variant x = variant(v);
                line.setLength(0);
                line.append(x.chrom()).append('\t').append(x.pos()).append('\t').append(x.id()).append('\t').append(x.ref()).append('\t')
                        .append(x.alt()).append("\t.\tPASS\t.\tGT");
                for (int p = 0; p < participants; p++) {
                    int a = altCount(p, v);
                    line.append('\t').append(a == 0 ? "0/0" : a == 1 ? "0/1" : "1/1");
                }
                line.append('\n');
                w.write(line.toString());
            }
        }
    }

    /** A plink2 {@code --keep} file of the stratum's participants (one IID per line). */
    public void writeKeep(Stratum s, Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("#IID\n");
            for (int p = 0; p < participants; p++) {
                if (in(s, p)) {
                    w.write(participantId(p));
                    w.write('\n');
                }
            }
        }
    }
}
