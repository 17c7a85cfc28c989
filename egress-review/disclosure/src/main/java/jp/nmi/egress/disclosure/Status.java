package jp.nmi.egress.disclosure;

import java.util.Locale;

/** A check's or an output's verdict; the worst check decides the output's. */
public enum Status {
    PASS, REVIEW, FAIL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The worst verdict of {@code checks} (pass when there are none): what an output's verdict is. */
    public static Status worst(Iterable<Check> checks) {
        Status s = PASS;
        for (Check c : checks) {
            if (c.status().ordinal() > s.ordinal()) {
                s = c.status();
            }
        }
        return s;
    }
}
