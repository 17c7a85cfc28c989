package jp.nmi.egress.disclosure;

import java.util.List;

/**
 * One rule's verdict on an output.
 *
 * @param rule {@code threshold}, {@code zeros}, {@code nk}, {@code p_ratio}, {@code dof}, {@code survival},
 *     {@code rounding}, {@code differencing}, {@code suppression_audit}, {@code file_type}, {@code manual_review}
 * @param status pass, review or fail
 * @param cells the cells concerned, as [row, column]
 * @param detail what was found, with the numbers
 */
public record Check(String rule, Status status, List<int[]> cells, String detail) {
    public Check {
        cells = List.copyOf(cells);
    }
}
