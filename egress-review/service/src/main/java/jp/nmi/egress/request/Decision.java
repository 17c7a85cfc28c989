package jp.nmi.egress.request;

import java.util.Locale;

/** A steward's decision on one file. */
public enum Decision {
    APPROVE, CHANGES, REJECT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Decision of(String label) {
        for (Decision d : values()) {
            if (d.label().equals(label)) {
                return d;
            }
        }
        throw new jp.nmi.enclave.error.ValidationException("unknown decision '" + label + "' (approve, changes or reject)");
    }
}
