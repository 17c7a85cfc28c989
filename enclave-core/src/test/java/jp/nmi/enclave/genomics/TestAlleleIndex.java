package jp.nmi.enclave.genomics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

/** The index's counts against a plain count over the same cohort, and its file form. */
class TestAlleleIndex {
    static final SyntheticCohort COHORT = new SyntheticCohort(1000, 300, 7);
    static final AlleleIndex INDEX = COHORT.index();

    @Test
    void countsEqualAPlainCountForEveryKindOfStratum() {
        for (String where : List.of("", "sex=F", "age_band=60-69|70-79", "region=Kanto,sex=M", "disease=C50", "disease=C",
                "disease=F03.1", "age_band=60-69,sex=M,region=Kanto,disease=C50", "region=Shikoku|Kyushu,disease=I10|E11")) {
            Stratum s = Stratum.parse(where);
            long[] mask = INDEX.mask(s);
            int n = 0;
            for (int p = 0; p < COHORT.participants; p++) {
                n += COHORT.in(s, p) ? 1 : 0;
            }
            assertThat(AlleleIndex.count(mask)).as(where).isEqualTo(n);
            int[] counts = INDEX.genotypeCounts(mask, 0, COHORT.variants);
            for (int v = 0; v < COHORT.variants; v++) {
                int het = 0;
                int hom = 0;
                for (int p = 0; p < COHORT.participants; p++) {
                    if (COHORT.in(s, p)) {
                        het += COHORT.altCount(p, v) == 1 ? 1 : 0;
                        hom += COHORT.altCount(p, v) == 2 ? 1 : 0;
                    }
                }
                assertThat(counts[2 * v]).as(where + " v" + v + " het").isEqualTo(het);
                assertThat(counts[2 * v + 1]).as(where + " v" + v + " hom").isEqualTo(hom);
            }
        }
    }

    @Test
    void thePrecomputedCountsOfOneAttributeEqualTheBitPlanesWithOrWithoutExclusions() {
        java.util.Set<String> excluded = java.util.Set.of(COHORT.participantId(3), COHORT.participantId(10), COHORT.participantId(500),
                "not-a-participant");
        for (String where : List.of("", "sex=F", "sex=M|F", "age_band=60-69|70-79|100+", "region=Kanto", "disease=C50", "disease=F03",
                "disease=C50|C34", "disease=C", "disease=C50.1", "region=Kanto,sex=F")) {
            Stratum s = Stratum.parse(where);
            for (java.util.Set<String> out : List.of(java.util.Set.<String>of(), excluded)) {
                assertThat(INDEX.genotypeCounts(s, out, 0, COHORT.variants)).as(where + " " + out)
                        .isEqualTo(INDEX.genotypeCounts(INDEX.mask(s, out), 0, COHORT.variants));
                assertThat(INDEX.genotypeCounts(s, out, 17, 42)).as(where + " " + out + " 17..42")
                        .isEqualTo(INDEX.genotypeCounts(INDEX.mask(s, out), 17, 42));
            }
        }
    }

    @Test
    void aStratumOfNoOneCountsNothing() {
        long[] mask = INDEX.mask(Stratum.parse("age_band=100+"));
        assertThat(AlleleIndex.count(mask)).isZero();
        assertThat(INDEX.genotypeCounts(mask, 0, 10)).containsOnly(0);
    }

    @Test
    void writtenAndReadBackItIsTheSameIndex() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        INDEX.write(out);
        AlleleIndex read = AlleleIndex.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(read.participants()).isEqualTo(INDEX.participants());
        assertThat(read.variants()).isEqualTo(INDEX.variants());
        Stratum s = Stratum.parse("sex=F,disease=C50");
        assertThat(read.genotypeCounts(read.mask(s), 0, COHORT.variants)).isEqualTo(INDEX.genotypeCounts(INDEX.mask(s), 0, COHORT.variants));
        assertThat(read.valuesOf(Attribute.DISEASE)).isEqualTo(INDEX.valuesOf(Attribute.DISEASE));

        byte[] bad = out.toByteArray();
        bad[0] = 'X';
        assertThatThrownBy(() -> AlleleIndex.read(new ByteArrayInputStream(bad))).isInstanceOf(ValidationException.class)
                .hasMessage("not an allele-frequency index (bad magic number)");
    }

    @Test
    void variantsAreSelectedByIdRegionOrAll() {
        assertThat(new VariantSelection.Ids(List.of("v3", "v1", "v3")).resolve(INDEX)).containsExactly(1, 3);
        assertThatThrownBy(() -> new VariantSelection.Ids(List.of("rs999")).resolve(INDEX)).isInstanceOf(NotFoundException.class)
                .hasMessage("variant rs999 is not in the project's genotypes");
        AlleleIndex.Variant v5 = COHORT.variant(5);
        List<Integer> region = VariantSelection.region("chr" + v5.chrom() + ":" + v5.pos() + "-" + (v5.pos() + 137)).resolve(INDEX);
        assertThat(region).containsExactly(5, 6);
        assertThat(new VariantSelection.All().resolve(INDEX)).hasSize(COHORT.variants);
        assertThatThrownBy(() -> VariantSelection.region("1:200-100")).isInstanceOf(ValidationException.class)
                .hasMessage("--region: 1:200-100 starts after it ends");
        assertThatThrownBy(() -> VariantSelection.region("17")).isInstanceOf(ValidationException.class)
                .hasMessage("--region: '17' is not CHROM:START-END (e.g. 17:43044295-43125483)");
    }

    @Test
    void aGenotypeGivenTwiceIsRefused() {
        AlleleIndex.Builder b = new AlleleIndex.Builder().participant("p1", "60-69", "F", "Kanto", List.of())
                .variant(new AlleleIndex.Variant("v1", "1", 100, "A", "G")).genotype("p1", "v1", 1);
        assertThatThrownBy(() -> b.genotype("p1", "v1", 2)).isInstanceOf(ValidationException.class)
                .hasMessage("variant v1: a participant has two genotypes in the index input");
    }
}
