package jp.nmi.enclave.consent;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a consent change is, as the consent feed names it. The enclave decides each project's
 * membership from the consent after the change, never from this label; the label is recorded and
 * checked (a "narrow" that covers more is refused as a feed error).
 */
public enum ConsentChangeKind {
    /** The participant's consent now covers less: whole new DUO codes given. */
    NARROW("narrow"),
    /** The participant's consent now covers more: whole new DUO codes given; projects admit them only if they ask. */
    WIDEN("widen"),
    /** Commercial use is no longer allowed; the DUO codes stay as they were. */
    WITHDRAW_COMMERCIAL("withdraw-commercial"),
    /** The participant stops the provision of their data altogether (提供停止): recorded in the opt-out registry. */
    OPT_OUT("opt-out");

    private final String label;

    ConsentChangeKind(String label) {
        this.label = label;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
        return label;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static ConsentChangeKind fromJson(String label) {
        return of(label).orElseThrow(() -> new IllegalArgumentException("unknown consent change '" + label + "'"));
    }

    public static Optional<ConsentChangeKind> of(String label) {
        return Arrays.stream(values()).filter(k -> k.label.equals(label)).findFirst();
    }

    public static String known() {
        return String.join(", ", Arrays.stream(values()).map(ConsentChangeKind::label).toList());
    }
}
