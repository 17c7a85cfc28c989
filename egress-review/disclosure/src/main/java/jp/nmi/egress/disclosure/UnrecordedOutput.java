package jp.nmi.egress.disclosure;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An output that arrives without a valid {@link OutputRecord}: nothing is known about who
 * contributed to its cells, so it is checked as far as its content allows and always goes to a
 * steward. A CSV's integer cells are read as if they were counts (small ones flagged under the
 * threshold, zeros flagged for review where the profile finds zeros disclosive); every other
 * allowed type goes straight to manual review with the reason.
 *
 * <p>Cells are {@code [data row, column]} of the CSV, zero-based, header excluded.
 */
public final class UnrecordedOutput {
    private UnrecordedOutput() {}

    public static List<Check> check(String fileName, byte[] bytes, Profile profile) {
        Check type = FileTypes.check(fileName);
        if (type.status() == Status.FAIL) {
            return List.of(type);
        }
        List<Check> out = new ArrayList<>();
        out.add(type);
        String ext = FileTypes.extension(fileName);
        if (ext.equals("csv")) {
            out.addAll(csv(fileName, bytes, profile));
        }
        out.add(new Check(RuleId.MANUAL_REVIEW, Status.REVIEW, List.of(), "'" + fileName + "' has no valid record of the checks made when it"
                + " was created, so its contributors are unknown; " + reason(ext)));
        return out;
    }

    private static String reason(String ext) {
        return switch (ext) {
            case "png", "jpg", "jpeg", "svg" -> "it is an image: no automatic check reads the numbers a picture shows";
            case "txt", "md", "html" -> "it is free text: no automatic check reads what it says";
            case "json" -> "it is structured data of no known output kind";
            case "csv" -> "its integer cells were checked as if they were counts, which a steward must confirm";
            default -> "no automatic check understands it";
        };
    }

    private static List<Check> csv(String fileName, byte[] bytes, Profile profile) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return List.of(new Check(RuleId.CSV, Status.FAIL, List.of(), "'" + fileName + "' is not UTF-8 text: " + e.getMessage()));
        }
        Data data;
        try {
            data = Data.readCsv(new StringReader(text), fileName);
        } catch (IOException | RuntimeException e) {
            return List.of(new Check(RuleId.CSV, Status.FAIL, List.of(), "'" + fileName + "' is not a readable CSV table: " + e.getMessage()));
        }
        List<int[]> small = new ArrayList<>();
        List<int[]> zeros = new ArrayList<>();
        for (int r = 0; r < data.size(); r++) {
            String[] row = data.row(r);
            for (int c = 0; c < row.length; c++) {
                Long n = integer(row[c]);
                if (n == null) {
                    continue;
                }
                if (n > 0 && n < profile.minCount()) {
                    small.add(new int[] {r, c});
                } else if (n == 0) {
                    zeros.add(new int[] {r, c});
                }
            }
        }
        List<Check> out = new ArrayList<>();
        out.add(new Check(RuleId.THRESHOLD, small.isEmpty() ? Status.PASS : Status.FAIL, small, small.isEmpty()
                ? "no integer cell between 1 and " + (profile.minCount() - 1)
                : small.size() + " integer cell(s) between 1 and " + (profile.minCount() - 1) + " (" + profile.name()
                        + " minimum " + profile.minCount() + "), if they are counts"));
        if (profile.zerosDisclosive()) {
            out.add(new Check(RuleId.ZEROS, zeros.isEmpty() ? Status.PASS : Status.REVIEW, zeros, zeros.isEmpty() ? "no zero cell"
                    : zeros.size() + " zero cell(s): disclosive under " + profile.name() + " if they are counts"));
        }
        return out;
    }

    /**
     * The cell as an integer, or null if it is not one: {@code 12}, {@code +12}, {@code -12},
     * {@code 1,234}, {@code 1_234}, {@code 12.0} all count (a scan, not a regular expression: this runs per cell).
     */
    static Long integer(String s) {
        String t = s == null ? "" : s.strip();
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        int dot = t.indexOf('.');
        if (dot >= 0) {
            for (int i = dot + 1; i < t.length(); i++) {
                if (t.charAt(i) != '0') {
                    return null;
                }
            }
            t = t.substring(0, dot);
        }
        if (t.indexOf(',') >= 0 || t.indexOf('_') >= 0) {
            t = t.replace(",", "").replace("_", "");
        }
        int start = t.startsWith("-") ? 1 : 0;
        if (t.length() == start || t.length() > 18) {
            return null;
        }
        for (int i = start; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch < '0' || ch > '9') {
                return null;
            }
        }
        return Long.parseLong(t);
    }
}
