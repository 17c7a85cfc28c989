package jp.nmi.enclave.project;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The regulators to whom pseudonymized data may be provided for pharmaceutical approval (the
 * revised Next-Generation Medical Infrastructure Act): the one list of them, used by project specs
 * and the egress service's regulatory route.
 */
public enum Regulator {
    MHLW("Ministry of Health, Labour and Welfare (Japan)", "厚生労働省"),
    PMDA("Pharmaceuticals and Medical Devices Agency (Japan)", "医薬品医療機器総合機構"),
    FDA("U.S. Food and Drug Administration", "米国食品医薬品局"),
    MHRA("Medicines and Healthcare products Regulatory Agency (UK)", "英国医薬品・医療製品規制庁"),
    EMA("European Medicines Agency", "欧州医薬品庁");

    private final String english;
    private final String japanese;

    Regulator(String english, String japanese) {
        this.english = english;
        this.japanese = japanese;
    }

    public String fullName(Locale locale) {
        return "ja".equals(locale.getLanguage()) ? japanese : english;
    }

    /** By its code as specs write it (upper case), or empty. */
    public static Optional<Regulator> of(String code) {
        return Arrays.stream(values()).filter(r -> r.name().equals(code)).findFirst();
    }

    /** The codes, as an error message lists them. */
    public static String codes() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }
}
