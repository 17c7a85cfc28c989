package jp.nmi.egress.disclosure;

import java.util.List;

/**
 * One rule's verdict on an output.
 *
 * @param rule {@code threshold}, {@code zeros}, {@code nk}, {@code p_ratio}, {@code dof}, {@code survival},
 *     {@code rounding}, {@code differencing}, {@code suppression_audit}, {@code file_type}, {@code manual_review},
 *     {@code contributors} (whether the contributors the checks counted are the project's real participants, each
 *     row's own: recorded by the enclave when it makes an output)
 * @param status pass, review or fail
 * @param cells the cells concerned, as [row, column]
 * @param detail what was found, with the numbers
 */
public record Check(String rule, Status status, List<int[]> cells, String detail) {
    /** The rule that says whether an output's contributors were verified where it was made. */
    public static final String CONTRIBUTORS = "contributors";

    public Check {
        cells = List.copyOf(cells);
    }

    /** As reports show it: rule, status, cells as [row, column] pairs, detail. */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("rule", rule);
        m.put("status", status.label());
        m.put("cells", cells.stream().map(x -> List.of(x[0], x[1])).toList());
        m.put("detail", detail);
        return m;
    }
}
