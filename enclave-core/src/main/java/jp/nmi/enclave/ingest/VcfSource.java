package jp.nmi.enclave.ingest;

import htsjdk.tribble.TribbleException;
import htsjdk.tribble.readers.LineIterator;
import htsjdk.variant.variantcontext.Allele;
import htsjdk.variant.variantcontext.VariantContext;
import htsjdk.variant.vcf.VCFCodec;
import htsjdk.variant.vcf.VCFHeader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.Progress;

/**
 * Reads a VCF with htsjdk, multi-allelic sites split into one biallelic variant per alternative
 * allele, and hands each variant and its non-reference calls to a
 * consumer. htsjdk parses and validates the header and every site; the GT field of each sample is
 * read straight from the line, because building a genotype object for each of 100,000 samples per
 * line costs far more than the answer (alt allele count) needs.
 */
final class VcfSource {
    /** Receives each site and, per sample index, its alt allele count (0 for reference or missing). */
    interface SiteConsumer {
        void site(String variantId, String chrom, long pos, String ref, String alt, byte[] altCounts, int line) throws IOException;
    }

    private final Path file;
    private final String name;

    VcfSource(Path file) {
        this.file = file;
        this.name = file.getFileName().toString();
    }

    /** The sample names of the #CHROM line, in column order. */
    List<String> read(SampleCheck sampleCheck, SiteConsumer consumer, Progress progress) throws IOException {
        if (name.endsWith(".bcf")) {
            return readBcf(sampleCheck, consumer, progress);
        }
        long size = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 20);
                // progress in uncompressed bytes: the total is known only for a plain VCF
                Progress.Task task = progress.start(name + " (bytes)", name.endsWith(".gz") ? -1 : size)) {
            List<String> headerLines = new ArrayList<>();
            int lineNo = 0;
            String line;
            while (true) {
                line = reader.readLine();
                lineNo++;
                if (line == null) {
                    throw new ValidationException(name + " line " + lineNo + ": the file ends before the #CHROM header line");
                }
                if (lineNo == 1 && !line.startsWith("##fileformat=VCFv4")) {
                    throw new ValidationException(name + " line 1: missing VCF header (the first line must be ##fileformat=VCFv4.x)");
                }
                if (!line.startsWith("#")) {
                    throw new ValidationException(name + " line " + lineNo + ": a data line before the #CHROM header line");
                }
                headerLines.add(line);
                if (line.startsWith("#CHROM")) {
                    break;
                }
            }
            VCFCodec codec = new VCFCodec();
            VCFHeader header;
            try {
                header = (VCFHeader) codec.readActualHeader(new ListLineIterator(headerLines));
            } catch (TribbleException e) {
                throw new ValidationException(name + " lines 1-" + lineNo + ": invalid VCF header: " + e.getMessage());
            }
            List<String> samples = header.getGenotypeSamples();
            if (samples.isEmpty()) {
                throw new ValidationException(name + " line " + lineNo + ": the #CHROM line names no samples (no FORMAT column)");
            }
            sampleCheck.check(samples, lineNo);
            byte[] counts = new byte[samples.size()];
            byte[][] perAlt = new byte[1][counts.length];
            Set<String> seen = new HashSet<>();
            while ((line = reader.readLine()) != null) {
                lineNo++;
                task.advance(line.length() + 1L);
                if (line.isEmpty()) {
                    continue;
                }
                VariantContext vc;
                try {
                    vc = codec.decode(line);
                } catch (TribbleException | IllegalArgumentException | IllegalStateException e) {
                    throw new ValidationException(name + " line " + lineNo + ": " + e.getMessage());
                }
                if (vc == null) {
                    continue;
                }
                int alts = checkSite(vc, "line " + lineNo);
                if (perAlt.length < alts) {
                    perAlt = new byte[alts][counts.length];
                }
                parseGenotypes(line, lineNo, perAlt, alts);
                emit(vc, perAlt, seen, consumer, lineNo, "line " + lineNo);
            }
            task.advance(0);
            return samples;
        }
    }

    /**
     * A BCF (binary VCF), through htsjdk's reader: the same sites, split and checked as a VCF's, the
     * record number standing for the line in messages.
     */
    private List<String> readBcf(SampleCheck sampleCheck, SiteConsumer consumer, Progress progress) throws IOException {
        try (htsjdk.variant.vcf.VCFFileReader reader = new htsjdk.variant.vcf.VCFFileReader(file, false);
                Progress.Task task = progress.start(name + " (sites)", -1)) {
            List<String> samples = reader.getFileHeader().getGenotypeSamples();
            if (samples.isEmpty()) {
                throw new ValidationException(name + ": the header names no samples");
            }
            sampleCheck.check(samples, 0);
            byte[][] perAlt = new byte[1][samples.size()];
            Set<String> seen = new HashSet<>();
            int record = 0;
            try (htsjdk.samtools.util.CloseableIterator<VariantContext> it = reader.iterator()) {
                while (it.hasNext()) {
                    VariantContext vc;
                    try {
                        vc = it.next();
                    } catch (TribbleException | IllegalArgumentException | IllegalStateException e) {
                        throw new ValidationException(name + " record " + (record + 1) + ": " + e.getMessage());
                    }
                    record++;
                    task.advance(1);
                    int alts = checkSite(vc, "record " + record);
                    if (perAlt.length < alts) {
                        perAlt = new byte[alts][samples.size()];
                    }
                    for (int j = 0; j < alts; j++) {
                        Arrays.fill(perAlt[j], (byte) 0);
                    }
                    for (int i = 0; i < samples.size(); i++) {
                        htsjdk.variant.variantcontext.Genotype g = vc.getGenotype(i);
                        if (g == null || g.getPloidy() == 0 || g.getPloidy() > 2) {
                            throw new ValidationException(name + " record " + record + ": sample " + (i + 1) + " has no haploid or diploid GT");
                        }
                        // a partly missing call is treated as missing: nothing is inferred that was not called
                        if (g.getAlleles().stream().anyMatch(Allele::isNoCall)) {
                            continue;
                        }
                        for (Allele a : g.getAlleles()) {
                            int index = vc.getAlleleIndex(a);
                            if (index > 0) {
                                perAlt[index - 1][i]++;
                            }
                        }
                    }
                    emit(vc, perAlt, seen, consumer, record, "record " + record);
                }
            }
            return samples;
        } catch (TribbleException e) {
            throw new ValidationException(name + ": not a readable BCF: " + e.getMessage());
        }
    }

    /** Checks the VCF's samples before any site is read. */
    interface SampleCheck {
        void check(List<String> samples, int headerLine);
    }

    /** The site's alternative alleles, checked: not too many, none symbolic. */
    private int checkSite(VariantContext vc, String where) {
        int alts = vc.getAlternateAlleles().size();
        if (alts > MAX_ALTS) {
            throw new ValidationException(name + " " + where + ": site " + vc.getContig() + ":" + vc.getStart() + " has " + alts
                    + " alternate alleles; at most " + MAX_ALTS + " are accepted");
        }
        for (Allele alt : vc.getAlternateAlleles()) {
            if (alt.isSymbolic() || vc.getReference().isSymbolic()) {
                throw new ValidationException(name + " " + where + ": symbolic allele " + alt.getDisplayString() + " is not supported");
            }
        }
        return alts;
    }

    /**
     * One biallelic variant per alternative allele: each counts the copies of its own allele, another
     * alternative counts as not this one (as bcftools norm -m- splits them).
     */
    private void emit(VariantContext vc, byte[][] perAlt, Set<String> seen, SiteConsumer consumer, int line, String where)
            throws IOException {
        String ref = vc.getReference().getBaseString();
        for (int j = 0; j < vc.getAlternateAlleles().size(); j++) {
            String altBases = vc.getAlternateAllele(j).getBaseString();
            String id = vc.getContig() + ":" + vc.getStart() + ":" + ref + ":" + altBases;
            if (!seen.add(id)) {
                throw new ValidationException(name + " " + where + ": variant " + id + " appears twice");
            }
            consumer.site(id, vc.getContig(), vc.getStart(), ref, altBases, perAlt[j], line);
        }
    }

    /** At most this many alternative alleles at one site (the GT parser reads indices up to it). */
    static final int MAX_ALTS = 64;

    /** Fills {@code perAlt[j][sample]} with the sample's copies of alternative allele j + 1 (0 when missing). */
    private void parseGenotypes(String line, int lineNo, byte[][] perAlt, int alts) {
        int tab = 0;
        int pos = 0;
        // skip the 8 fixed columns and check FORMAT
        for (int i = 0; i < 8; i++) {
            pos = line.indexOf('\t', pos) + 1;
            if (pos == 0) {
                throw new ValidationException(name + " line " + lineNo + ": fewer than 9 columns");
            }
        }
        tab = line.indexOf('\t', pos);
        if (tab < 0) {
            throw new ValidationException(name + " line " + lineNo + ": no sample columns");
        }
        String format = line.substring(pos, tab);
        if (!(format.equals("GT") || format.startsWith("GT:"))) {
            throw new ValidationException(name + " line " + lineNo + ": FORMAT '" + format + "' does not start with GT");
        }
        pos = tab + 1;
        int samples = perAlt[0].length;
        for (int j = 0; j < alts; j++) {
            Arrays.fill(perAlt[j], (byte) 0);
        }
        int sample = 0;
        int length = line.length();
        while (pos <= length) {
            if (sample >= samples) {
                throw new ValidationException(name + " line " + lineNo + ": more sample columns than the " + samples
                        + " samples of the header");
            }
            int end = pos;
            while (end < length && line.charAt(end) != '\t' && line.charAt(end) != ':') {
                end++;
            }
            alleleCounts(line, pos, end, lineNo, sample, alts, perAlt);
            sample++;
            int next = line.indexOf('\t', end);
            if (next < 0) {
                break;
            }
            pos = next + 1;
        }
        if (sample != samples) {
            throw new ValidationException(name + " line " + lineNo + ": " + sample + " sample columns but the header names "
                    + samples + " samples");
        }
    }

    private void alleleCounts(String line, int from, int to, int lineNo, int sample, int alts, byte[][] perAlt) {
        int alleles = 0;
        boolean missing = false;
        int first = -1;
        int second = -1;
        int i = from;
        while (i < to) {
            char c = line.charAt(i);
            if (c == '.') {
                missing = true;
                i++;
            } else if (c >= '0' && c <= '9') {
                int index = 0;
                while (i < to && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
                    index = index * 10 + (line.charAt(i) - '0');
                    if (index > alts) {
                        throw new ValidationException(name + " line " + lineNo + ": genotype '" + line.substring(from, to) + "' of sample "
                                + (sample + 1) + " names allele " + index + " but the site has " + alts + " alternate allele(s)");
                    }
                    i++;
                }
                if (alleles == 0) {
                    first = index;
                } else {
                    second = index;
                }
            } else {
                throw new ValidationException(name + " line " + lineNo + ": genotype '" + line.substring(from, to)
                        + "' of sample " + (sample + 1) + " is not a GT (allele numbers or . separated by / or |)");
            }
            alleles++;
            if (i < to) {
                char sep = line.charAt(i);
                if (sep != '/' && sep != '|') {
                    throw new ValidationException(name + " line " + lineNo + ": genotype '" + line.substring(from, to)
                            + "' of sample " + (sample + 1) + " is not a GT (allele numbers or . separated by / or |)");
                }
                i++;
                if (i == to) {
                    alleles = 3; // a trailing separator: malformed
                }
            }
        }
        if (alleles == 0 || alleles > 2) {
            throw new ValidationException(name + " line " + lineNo + ": genotype '" + line.substring(from, to) + "' of sample "
                    + (sample + 1) + " is not a haploid or diploid GT");
        }
        // A partly missing call is treated as missing: nothing is inferred that was not called.
        if (missing) {
            return;
        }
        if (first > 0) {
            perAlt[first - 1][sample]++;
        }
        if (second > 0) {
            perAlt[second - 1][sample]++;
        }
    }

    private static final class ListLineIterator implements LineIterator {
        private final List<String> lines;
        private int next;

        ListLineIterator(List<String> lines) {
            this.lines = lines;
        }

        @Override
        public String peek() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return lines.get(next);
        }

        @Override
        public boolean hasNext() {
            return next < lines.size();
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return lines.get(next++);
        }
    }
}
