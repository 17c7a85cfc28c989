package jp.nmi.enclave.genomics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index's counts and frequencies equal plink2's ({@code --keep <stratum> --freq counts},
 * {@code --freq}, {@code --geno-counts}) on the same cohort, for a set of strata. plink2 is
 * Debian's package, installed by infra/test.sh; without it this test fails, it does not skip.
 */
class TestPlink2Agreement {
    static final SyntheticCohort COHORT = new SyntheticCohort(600, 400, 11);
    static AlleleIndex index;

    @TempDir
    static Path dir;

    @BeforeAll
    static void cohort() throws IOException {
        COHORT.writeVcf(dir.resolve("cohort.vcf"));
        index = COHORT.index();
    }

    @Test
    void frequenciesEqualPlink2sForEachStratum() throws Exception {
        int stratumNo = 0;
        for (String where : List.of("", "sex=F", "age_band=60-69,sex=M", "region=Kanto|Tohoku", "disease=C50",
                "age_band=50-59|60-69|70-79,sex=F,region=Kanto|Hokkaido,disease=C")) {
            Stratum s = Stratum.parse(where);
            Path keep = dir.resolve("keep" + stratumNo + ".txt");
            COHORT.writeKeep(s, keep);
            String out = dir.resolve("s" + stratumNo++).toString();
            run("plink2", "--vcf", dir.resolve("cohort.vcf").toString(), "--keep", keep.toString(), "--freq", "counts", "--geno-counts",
                    "--out", out);
            run("plink2", "--vcf", dir.resolve("cohort.vcf").toString(), "--keep", keep.toString(), "--freq", "--out", out + "f");
            Map<String, String[]> acount = table(Path.of(out + ".acount"));
            Map<String, String[]> gcount = table(Path.of(out + ".gcount"));
            Map<String, String[]> afreq = table(Path.of(out + "f.afreq"));
            assertThat(acount).as(where).hasSize(COHORT.variants);

            long[] mask = index.mask(s);
            int n = AlleleIndex.count(mask);
            int[] counts = index.genotypeCounts(mask, 0, COHORT.variants);
            for (int v = 0; v < COHORT.variants; v++) {
                String id = index.variants().get(v).id();
                int het = counts[2 * v];
                int hom = counts[2 * v + 1];
                // .acount: #CHROM ID REF ALT ALT_CTS OBS_CT
                assertThat(Integer.parseInt(acount.get(id)[4])).as(where + " " + id + " ALT_CTS").isEqualTo(het + 2 * hom);
                assertThat(Integer.parseInt(acount.get(id)[5])).as(where + " " + id + " OBS_CT").isEqualTo(2 * n);
                // .gcount: #CHROM ID REF ALT HOM_REF_CT HET_REF_ALT_CTS TWO_ALT_GENO_CTS ...
                assertThat(Integer.parseInt(gcount.get(id)[4])).as(where + " " + id + " HOM_REF_CT").isEqualTo(n - het - hom);
                assertThat(Integer.parseInt(gcount.get(id)[5])).as(where + " " + id + " HET_REF_ALT_CTS").isEqualTo(het);
                assertThat(Integer.parseInt(gcount.get(id)[6])).as(where + " " + id + " TWO_ALT_GENO_CTS").isEqualTo(hom);
                // .afreq: ALT_FREQS as plink2 prints it, six significant digits rounded half-even from the exact
                // ratio: the enclave's frequency printed the same way is the same text
                java.math.BigDecimal plink = new java.math.BigDecimal(afreq.get(id)[4]);
                java.math.BigDecimal ours = new java.math.BigDecimal(het + 2 * hom).divide(new java.math.BigDecimal(2 * n),
                        new java.math.MathContext(6, java.math.RoundingMode.HALF_EVEN));
                assertThat(ours.compareTo(plink)).as(where + " " + id + " ALT_FREQS " + ours + " vs " + plink).isZero();
            }
        }
    }

    static Map<String, String[]> table(Path file) throws IOException {
        Map<String, String[]> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("#")) {
                String[] f = line.split("\t");
                out.put(f[1], f);
            }
        }
        return out;
    }

    static void run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("plink2.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("plink2 is not installed (infra/test.sh installs Debian's plink2): " + e.getMessage(), e);
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("plink2 finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("plink2.log"))).isZero();
    }
}
