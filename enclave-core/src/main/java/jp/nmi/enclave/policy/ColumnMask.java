package jp.nmi.enclave.policy;

/**
 * A data-mask policy's decision for one column.
 *
 * @param policyId the Ranger policy that decided
 * @param type the mask type (MASK, MASK_SHOW_LAST_4, MASK_SHOW_FIRST_4, MASK_HASH, MASK_NULL, MASK_NONE,
 *     MASK_DATE_SHOW_YEAR, CUSTOM)
 * @param valueExpression for CUSTOM, the expression with {@code {col}} for the column
 */
public record ColumnMask(long policyId, String type, String valueExpression) {
    /** The type, if the enclave knows it (an unknown one masks to NULL). */
    public java.util.Optional<MaskType> maskType() {
        return MaskType.of(type);
    }
}
