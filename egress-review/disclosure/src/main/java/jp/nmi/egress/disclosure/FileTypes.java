package jp.nmi.egress.disclosure;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which files may leave at all. Only a small allowlist of types a steward can open and read; of
 * those, only CSV tables made from data the checks can rebuild are checked automatically. Every
 * other allowed file (free text, images, pages) goes to manual review with the reason, never to an
 * automatic pass; anything else is blocked.
 */
public final class FileTypes {
    public static final Set<String> ALLOWED = Set.of("csv", "png", "jpg", "jpeg", "svg", "txt", "json", "md", "html");

    private FileTypes() {}

    public static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The file-type check of a file, whatever its content. */
    public static Check check(String fileName) {
        String ext = extension(fileName);
        if (!ALLOWED.contains(ext)) {
            return new Check(RuleId.FILE_TYPE, Status.FAIL, List.of(), "'" + fileName + "': ." + (ext.isEmpty() ? "(none)" : ext)
                    + " files may not leave the enclave (allowed: " + String.join(", ", ALLOWED.stream().sorted().toList()) + ")");
        }
        return new Check(RuleId.FILE_TYPE, Status.PASS, List.of(), "." + ext + " is an allowed type");
    }

    /** Why a file of an allowed type that no automatic check understands needs a steward's eyes. */
    public static Check manualReview(String fileName) {
        String ext = extension(fileName);
        String why = switch (ext) {
            case "png", "jpg", "jpeg", "svg" -> "an image: no automatic check reads the numbers a picture shows";
            case "txt", "md", "html" -> "free text: no automatic check reads what it says";
            case "json" -> "structured data of no known output kind";
            case "csv" -> "a table without the row-level data it was made from, so its contributors cannot be checked";
            default -> "no automatic check understands it";
        };
        return new Check(RuleId.MANUAL_REVIEW, Status.REVIEW, List.of(), "'" + fileName + "' is " + why + "; a steward must review it");
    }
}
