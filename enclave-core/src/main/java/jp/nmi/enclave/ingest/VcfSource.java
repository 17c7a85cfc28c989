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
 * Reads a VCF of biallelic sites with htsjdk and hands each site and its non-reference calls to a
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
                if (vc.getAlternateAlleles().size() != 1) {
                    throw new ValidationException(name + " line " + lineNo + ": site " + vc.getContig() + ":" + vc.getStart()
                            + " has " + vc.getAlternateAlleles().size()
                            + " alternate alleles; only biallelic sites are accepted (split with bcftools norm -m-)");
                }
                Allele alt = vc.getAlternateAllele(0);
                if (alt.isSymbolic() || vc.getReference().isSymbolic()) {
                    throw new ValidationException(name + " line " + lineNo + ": symbolic allele " + alt.getDisplayString()
                            + " is not supported");
                }
                String ref = vc.getReference().getBaseString();
                String altBases = alt.getBaseString();
                String id = vc.getContig() + ":" + vc.getStart() + ":" + ref + ":" + altBases;
                if (!seen.add(id)) {
                    throw new ValidationException(name + " line " + lineNo + ": variant " + id + " appears twice");
                }
                parseGenotypes(line, lineNo, counts);
                consumer.site(id, vc.getContig(), vc.getStart(), ref, altBases, counts, lineNo);
            }
            task.advance(0);
            return samples;
        }
    }

    /** Checks the VCF's samples before any site is read. */
    interface SampleCheck {
        void check(List<String> samples, int headerLine);
    }

    private void parseGenotypes(String line, int lineNo, byte[] counts) {
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
        Arrays.fill(counts, (byte) 0);
        int sample = 0;
        int length = line.length();
        while (pos <= length) {
            if (sample >= counts.length) {
                throw new ValidationException(name + " line " + lineNo + ": more sample columns than the " + counts.length
                        + " samples of the header");
            }
            int end = pos;
            while (end < length && line.charAt(end) != '\t' && line.charAt(end) != ':') {
                end++;
            }
            counts[sample] = altCount(line, pos, end, lineNo, sample);
            sample++;
            int next = line.indexOf('\t', end);
            if (next < 0) {
                break;
            }
            pos = next + 1;
        }
        if (sample != counts.length) {
            throw new ValidationException(name + " line " + lineNo + ": " + sample + " sample columns but the header names "
                    + counts.length + " samples");
        }
    }

    private byte altCount(String line, int from, int to, int lineNo, int sample) {
        int alt = 0;
        boolean missing = false;
        int alleles = 0;
        for (int i = from; i < to; i++) {
            char c = line.charAt(i);
            switch (c) {
                case '0' -> alleles++;
                case '1' -> {
                    alleles++;
                    alt++;
                }
                case '.' -> {
                    alleles++;
                    missing = true;
                }
                case '/', '|' -> {
                    // separator
                }
                default -> throw new ValidationException(name + " line " + lineNo + ": genotype '" + line.substring(from, to)
                        + "' of sample " + (sample + 1) + " is not a biallelic GT (0, 1, . separated by / or |)");
            }
        }
        if (alleles == 0 || alleles > 2) {
            throw new ValidationException(name + " line " + lineNo + ": genotype '" + line.substring(from, to) + "' of sample "
                    + (sample + 1) + " is not a haploid or diploid GT");
        }
        // A partly missing call is treated as missing: nothing is inferred that was not called.
        return missing ? 0 : (byte) alt;
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
