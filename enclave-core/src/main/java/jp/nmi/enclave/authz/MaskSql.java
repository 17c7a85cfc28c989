package jp.nmi.enclave.authz;

import java.util.Locale;
import jp.nmi.enclave.policy.ColumnMask;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Ranger's mask types as Spark SQL over one column. Every mask keeps the column's type (so that
 * the rest of the query, already resolved against the column, stays valid); a mask that has no
 * meaning for a type, and any mask type this code does not know, masks to NULL: fail closed.
 */
final class MaskSql {
    private MaskSql() {}

    static String of(ColumnMask mask, String column, DataType type) {
        String c = quote(column);
        String nul = "CAST(NULL AS " + type.sql() + ")";
        boolean string = type instanceof StringType;
        java.util.Optional<jp.nmi.enclave.policy.MaskType> known = mask.maskType();
        if (known.isEmpty()) {
            return nul;
        }
        return switch (known.get()) {
            case MASK_NONE -> c;
            case MASK_NULL -> nul;
            // Hive's mask(): upper-case letters to X, lower-case to x, digits to n, the rest kept.
            case MASK -> string ? "mask(" + c + ")" : nul;
            case MASK_SHOW_LAST_4 -> string
                    ? "CASE WHEN length(" + c + ") <= 4 THEN " + c + " ELSE concat(mask(substr(" + c + ", 1, length(" + c
                            + ") - 4), 'x', 'x', 'x', NULL), right(" + c + ", 4)) END"
                    : nul;
            case MASK_SHOW_FIRST_4 -> string
                    ? "CASE WHEN length(" + c + ") <= 4 THEN " + c + " ELSE concat(left(" + c + ", 4), mask(substr(" + c
                            + ", 5), 'x', 'x', 'x', NULL)) END"
                    : nul;
            // Keyed, per project: an unsalted hash of a low-entropy identifier can be enumerated.
            case MASK_HASH -> string ? PseudonymFunction.NAME + "(" + c + ")" : nul;
            case MASK_DATE_SHOW_YEAR -> type instanceof DateType
                    ? "trunc(" + c + ", 'YEAR')"
                    : type instanceof TimestampType || type.equals(DataTypes.TimestampNTZType) ? "date_trunc('YEAR', " + c + ")" : nul;
            case CUSTOM -> mask.valueExpression() == null || mask.valueExpression().isBlank()
                    ? nul
                    : "CAST((" + mask.valueExpression().replace("{col}", c) + ") AS " + type.sql() + ")";
        };
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }
}
