package jp.nmi.enclave.ingest;

import java.util.regex.Pattern;

/**
 * ICD-10 code syntax as the WHO and Japan's ICD-10 (2013) use it: a chapter letter, two digits,
 * and optionally a dot with one or two further characters ({@code C50}, {@code C50.9},
 * {@code F00.1}, {@code U07.1}). The codes are hierarchical: a prefix names its category.
 */
public final class Icd10 {
    private static final Pattern CODE = Pattern.compile("[A-Z][0-9]{2}(\\.[0-9A-Z]{1,2})?");

    private Icd10() {}

    public static boolean isValid(String code) {
        return code != null && CODE.matcher(code).matches();
    }

    /** Whether a prefix names a category or code ({@code C50}, {@code C50.9}, {@code F0}, {@code C}). */
    public static boolean isValidPrefix(String prefix) {
        return prefix != null && Pattern.matches("[A-Z]([0-9]{1,2}(\\.[0-9A-Z]{0,2})?)?", prefix);
    }
}
