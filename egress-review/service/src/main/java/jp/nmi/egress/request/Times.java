package jp.nmi.egress.request;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import jp.nmi.egress.project.ProjectMembers;

/**
 * The one way the egress service shows a time to people: Japan's time, to the minute, marked JST
 * (the pages' templates use the same pattern). The API and the audit trail keep ISO-8601 instants.
 */
public final class Times {
    public static final String PATTERN = "yyyy-MM-dd HH:mm";
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern(PATTERN).withZone(ProjectMembers.ZONE);

    private Times() {}

    public static String shown(Instant at) {
        return SHOWN.format(at) + " JST";
    }

    /** An ISO-8601 instant as shown; anything else as it is. */
    public static String shown(String iso) {
        try {
            return shown(Instant.parse(iso));
        } catch (DateTimeParseException | NullPointerException e) {
            return String.valueOf(iso);
        }
    }
}
