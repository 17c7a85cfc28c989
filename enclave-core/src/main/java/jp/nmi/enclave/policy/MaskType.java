package jp.nmi.enclave.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Ranger's mask types (the stock Hive service definition's), the one list the enclave knows: the
 * specs' parser accepts them, the policies carry them, {@code MaskSql} turns each into SQL. A mask
 * Ranger sends that is not here masks to NULL (fail closed).
 */
public enum MaskType {
    MASK, MASK_SHOW_LAST_4, MASK_SHOW_FIRST_4, MASK_HASH, MASK_NULL, MASK_NONE, MASK_DATE_SHOW_YEAR, CUSTOM;

    private static final List<String> NAMES = Arrays.stream(values()).map(Enum::name).toList();

    /** The type a policy names, if it is one of these (case-insensitively, as Ranger compares them). */
    public static Optional<MaskType> of(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.name().equals(n)).findFirst();
    }

    public static List<String> names() {
        return NAMES;
    }
}
