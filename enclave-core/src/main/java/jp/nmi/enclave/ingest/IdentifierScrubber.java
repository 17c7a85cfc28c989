package jp.nmi.enclave.ingest;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes direct identifiers from free text before it is stored. Two layers: the identifiers the
 * source records for this very patient (name and its parts, kana, phone, address, insurance and
 * hospital numbers, birth date in several spellings, source ID) are replaced wherever they appear;
 * then patterns that look like phone, insurance or hospital numbers are replaced whoever they
 * belong to. Scrubbing free text is best effort by nature, which is why notes are also masked
 * by policy for analysts.
 */
final class IdentifierScrubber {
    static final String REDACTED = "[REDACTED]";

    private static final List<Pattern> PATTERNS = List.of(
            // phone numbers: 0X-XXXX-XXXX, 090-1234-5678, 0166-12-3456, or 10-11 digits in a row
            Pattern.compile("0\\d{1,4}[-ー－‐ ]\\d{1,4}[-ー－‐ ]\\d{3,4}"),
            Pattern.compile("(?<!\\d)0\\d{9,10}(?!\\d)"),
            // insurance numbers as the source writes them, and hospital patient IDs
            Pattern.compile("\\d{8}-\\d{6}"),
            Pattern.compile("(?<![A-Za-z0-9])H\\d{9}(?!\\d)"),
            // source patient IDs
            Pattern.compile("(?<![A-Za-z0-9])PT\\d{8}(?!\\d)"));

    private IdentifierScrubber() {}

    /** The identifiers of one patient that must not survive in their free text. */
    static List<String> identifiersOf(String patientId, String hospitalId, String name, String nameKana, LocalDate birthDate,
            String address, String phone, String insuranceNumber) {
        Set<String> values = new LinkedHashSet<>();
        values.add(patientId);
        values.add(hospitalId);
        addName(values, name);
        addName(values, nameKana);
        values.add(address);
        values.add(phone);
        values.add(phone.replaceAll("[^0-9]", ""));
        values.add(insuranceNumber);
        values.add(birthDate.toString());
        values.add(birthDate.format(java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd", Locale.ROOT)));
        values.add(birthDate.getYear() + "年" + birthDate.getMonthValue() + "月" + birthDate.getDayOfMonth() + "日");
        List<String> sorted = new ArrayList<>();
        for (String v : values) {
            if (v != null && v.strip().length() >= 2) {
                sorted.add(v.strip());
            }
        }
        // longest first, so that a full name is replaced before its parts
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        return List.copyOf(sorted);
    }

    private static void addName(Set<String> values, String name) {
        if (name == null) {
            return;
        }
        values.add(name);
        values.add(name.replaceAll("[ 　]", ""));
        for (String part : name.split("[ 　]+")) {
            values.add(part);
            // A one-character surname (林, 森) is too short to replace everywhere; with an
            // honorific it is unmistakably a name.
            for (String honorific : List.of("様", "さん", "氏", "殿")) {
                values.add(part + honorific);
            }
        }
    }

    static String scrub(String text, List<String> identifiers) {
        String out = text;
        for (String id : identifiers) {
            if (out.contains(id)) {
                out = out.replace(id, REDACTED);
            }
        }
        for (Pattern p : PATTERNS) {
            out = p.matcher(out).replaceAll(REDACTED);
        }
        return out;
    }
}
