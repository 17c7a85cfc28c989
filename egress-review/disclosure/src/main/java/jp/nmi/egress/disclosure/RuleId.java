package jp.nmi.egress.disclosure;

import java.util.Locale;

/**
 * The checks an output can get, the one list of their names (as reports, records and the egress
 * service's pages spell them).
 */
public enum RuleId {
    /** A cell with 1 to min_count-1 contributors. */
    THRESHOLD,
    /** A structural zero or empty cell the profile treats as disclosive. */
    ZEROS,
    /** N-K dominance. */
    NK,
    /** The p% rule. */
    P_RATIO,
    /** Residual degrees of freedom of a model. */
    DOF,
    /** Survival tables' risk sets and events. */
    SURVIVAL,
    /** Counts rounded as the profile says. */
    ROUNDING,
    /** Cells that differ from an earlier release's by a few contributors. */
    DIFFERENCING,
    /** The LP audit of suppression: no suppressed cell can be recalculated. */
    SUPPRESSION_AUDIT,
    /** The file's type is one that may leave. */
    FILE_TYPE,
    /** Nothing checked it automatically: a steward must. */
    MANUAL_REVIEW,
    /** Whether the contributors the checks counted are the project's real participants, each row's own. */
    CONTRIBUTORS,
    /** Whether the record of checks made at creation verifies. */
    METADATA,
    /** The profile the checks ran under is the project's. */
    PROFILE,
    /** What a file carries that a reader would not see (hidden characters, scripts, metadata). */
    CONTENT,
    /** A CSV file without a record, checked as far as its content allows. */
    CSV;

    /** As reports spell it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * How an analyst fixes an output this rule flags, in {@code locale} (English or Japanese), from
     * the resource bundle {@code RuleHints}.
     */
    public String hint(Locale locale) {
        return java.util.ResourceBundle.getBundle("jp.nmi.egress.disclosure.RuleHints", locale,
                java.util.ResourceBundle.Control.getNoFallbackControl(java.util.ResourceBundle.Control.FORMAT_PROPERTIES))
                .getString(label());
    }

    /** Parses a recorded rule; unknown text is an error, never a default. */
    public static RuleId of(String label) {
        for (RuleId r : values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new DisclosureException("unknown check rule '" + label + "'");
    }
}
