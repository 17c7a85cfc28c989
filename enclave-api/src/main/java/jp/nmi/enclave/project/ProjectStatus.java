package jp.nmi.enclave.project;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a project is in its life, as its state file and member list say ({@code "active"}, {@code "closed"}). */
public enum ProjectStatus {
    /** Applied: its members work in it. */
    ACTIVE,
    /** Closed: nothing is served any more, its data destroyed (or being destroyed). Never reopened. */
    CLOSED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a stored status; unknown text is an error, never a default. */
    @JsonCreator
    public static ProjectStatus of(String label) {
        for (ProjectStatus s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown project status '" + label + "'");
    }

    @Override
    public String toString() {
        return label();
    }
}
