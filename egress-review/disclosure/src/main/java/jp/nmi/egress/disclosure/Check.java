package jp.nmi.egress.disclosure;

import java.util.List;

/**
 * One rule's verdict on an output.
 *
 * @param rule which check (see {@link RuleId})
 * @param status pass, review or fail
 * @param cells the cells concerned, as [row, column]
 * @param detail what was found, with the numbers
 */
public record Check(RuleId rule, Status status, List<int[]> cells, String detail) {
    public Check {
        cells = List.copyOf(cells);
    }

    /** As reports show it: rule, status, cells as [row, column] pairs, detail. */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("rule", rule.label());
        m.put("status", status.label());
        m.put("cells", cells.stream().map(x -> List.of(x[0], x[1])).toList());
        m.put("detail", detail);
        return m;
    }
}
