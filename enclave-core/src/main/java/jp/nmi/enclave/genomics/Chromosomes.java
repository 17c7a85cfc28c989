package jp.nmi.enclave.genomics;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Chromosome names as VCFs spell them ({@code 1}, {@code chr1}, {@code X}, {@code chrM}, {@code MT}): one canonical form and order. */
enum Chromosomes {
    AUTOSOME, X, Y, MT, OTHER;

    private static final Pattern NAME = Pattern.compile("(?:chr)?(?:([0-9]{1,2})|(X|Y|M|MT))", Pattern.CASE_INSENSITIVE);

    static Chromosomes of(String chrom) {
        Matcher m = NAME.matcher(chrom == null ? "" : chrom.strip());
        if (!m.matches()) {
            return OTHER;
        }
        if (m.group(1) != null) {
            int c = Integer.parseInt(m.group(1));
            return c >= 1 && c <= 22 ? AUTOSOME : OTHER;
        }
        return switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "X" -> X;
            case "Y" -> Y;
            default -> MT;
        };
    }

    /** The canonical name: {@code 1} … {@code 22}, {@code X}, {@code Y}, {@code MT}; anything else as given. */
    static String canonical(String chrom) {
        Matcher m = NAME.matcher(chrom == null ? "" : chrom.strip());
        if (!m.matches()) {
            return chrom;
        }
        if (m.group(1) != null) {
            return Integer.toString(Integer.parseInt(m.group(1)));
        }
        String s = m.group(2).toUpperCase(Locale.ROOT);
        return s.equals("M") ? "MT" : s;
    }

    /** A sort key: 1 … 22, X, Y, MT, then others by name. */
    static String order(String chrom) {
        String c = canonical(chrom);
        if (c.matches("[0-9]{1,2}")) {
            return String.format("%02d", Integer.parseInt(c));
        }
        return switch (c) {
            case "X" -> "23";
            case "Y" -> "24";
            case "MT" -> "25";
            default -> "99" + c;
        };
    }
}
