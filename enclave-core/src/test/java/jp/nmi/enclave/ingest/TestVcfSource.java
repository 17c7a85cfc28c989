package jp.nmi.enclave.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VCF sites as variants: multi-allelic sites split, one biallelic variant per alternative allele. */
class TestVcfSource {
    @TempDir
    Path dir;

    static final String HEADER = "##fileformat=VCFv4.2\n##contig=<ID=1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
            + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\ts3\ts4\n";

    record Site(String id, String alt, List<Byte> counts) {}

    List<Site> read(String body) throws Exception {
        Path vcf = dir.resolve("g.vcf");
        Files.writeString(vcf, HEADER + body);
        List<Site> out = new ArrayList<>();
        new VcfSource(vcf).read((samples, line) -> assertThat(samples).containsExactly("s1", "s2", "s3", "s4"),
                (id, chrom, pos, ref, alt, counts, line) -> {
                    List<Byte> c = new ArrayList<>();
                    for (byte b : counts) {
                        c.add(b);
                    }
                    out.add(new Site(id, alt, c));
                }, Progress.NONE);
        return out;
    }

    @Test
    void aMultiAllelicSiteBecomesOneVariantPerAlternativeAllele() throws Exception {
        List<Site> sites = read("1\t100\t.\tA\tG,T\t.\tPASS\t.\tGT\t0/1\t1/2\t2|2\t./1\n"
                + "1\t200\t.\tC\tT\t.\tPASS\t.\tGT:DP\t0/0:3\t0/1:5\t1/1:4\t1:2\n");
        assertThat(sites).extracting(Site::id).containsExactly("1:100:A:G", "1:100:A:T", "1:200:C:T");
        // s1 0/1: one G; s2 1/2: one G, one T; s3 2|2: two T; s4 ./1: partly missing, counted as missing
        assertThat(sites.get(0).counts()).containsExactly((byte) 1, (byte) 1, (byte) 0, (byte) 0);
        assertThat(sites.get(1).counts()).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 0);
        // haploid calls count their one copy
        assertThat(sites.get(2).counts()).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 1);
    }

    @Test
    void aBcfGivesTheSameVariantsAsItsVcf() throws Exception {
        String body = "1\t100\t.\tA\tG,T\t.\tPASS\t.\tGT\t0/1\t1/2\t2|2\t./1\n"
                + "1\t200\t.\tC\tT\t.\tPASS\t.\tGT\t0/0\t0/1\t1/1\t1\n";
        List<Site> fromVcf = read(body);
        // the same sites written as BCF by htsjdk
        Path vcf = dir.resolve("g.vcf");
        Path bcf = dir.resolve("genotypes.bcf");
        try (htsjdk.variant.vcf.VCFFileReader in = new htsjdk.variant.vcf.VCFFileReader(vcf, false);
                htsjdk.variant.variantcontext.writer.VariantContextWriter out = new htsjdk.variant.variantcontext.writer.VariantContextWriterBuilder()
                        .setOutputFile(bcf.toFile()).setOutputFileType(htsjdk.variant.variantcontext.writer.VariantContextWriterBuilder.OutputType.BCF)
                        .setReferenceDictionary(in.getFileHeader().getSequenceDictionary())
                        .unsetOption(htsjdk.variant.variantcontext.writer.Options.INDEX_ON_THE_FLY).build()) {
            out.writeHeader(in.getFileHeader());
            for (htsjdk.variant.variantcontext.VariantContext vc : in) {
                out.add(vc);
            }
        }
        List<Site> fromBcf = new ArrayList<>();
        new VcfSource(bcf).read((samples, line) -> assertThat(samples).containsExactly("s1", "s2", "s3", "s4"),
                (id, chrom, pos, ref, alt, counts, line) -> {
                    List<Byte> c = new ArrayList<>();
                    for (byte b : counts) {
                        c.add(b);
                    }
                    fromBcf.add(new Site(id, alt, c));
                }, Progress.NONE);
        assertThat(fromBcf).isEqualTo(fromVcf);
    }

    @Test
    void genotypesThatNameAnAlleleTheSiteDoesNotHaveOrAreMalformedAreRefusedWithTheLine() {
        for (String[] c : Arrays.asList(
                new String[] {"1\t100\t.\tA\tG,T\t.\tPASS\t.\tGT\t0/3\t0/0\t0/0\t0/0\n",
                    "g.vcf line 5: genotype '0/3' of sample 1 names allele 3 but the site has 2 alternate allele(s)"},
                new String[] {"1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0/1/1\t0/0\t0/0\t0/0\n",
                    "g.vcf line 5: genotype '0/1/1' of sample 1 is not a haploid or diploid GT"},
                new String[] {"1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0/\t0/0\t0/0\t0/0\n",
                    "g.vcf line 5: genotype '0/' of sample 1 is not a haploid or diploid GT"},
                new String[] {"1\t100\t.\tA\tG\t.\tPASS\t.\tGT\t0-1\t0/0\t0/0\t0/0\n",
                    "g.vcf line 5: genotype '0-1' of sample 1 is not a GT (allele numbers or . separated by / or |)"})) {
            assertThatThrownBy(() -> read(c[0])).isInstanceOf(ValidationException.class).hasMessage(c[1]);
        }
    }
}
