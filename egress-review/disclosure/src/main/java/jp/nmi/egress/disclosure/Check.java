package jp.nmi.egress.disclosure;

import java.util.List;

/**
 * One rule's verdict on an output.
 *
 * @param rule which check (see {@link RuleId})
 * @param status pass, review or fail
 * @param cells the cells concerned, as [row, column]
 * @param detail what was found, with the numbers
 * @param applies false for a rule that is not part of the profile or does not apply to this kind of
 *     output: it passes (it cannot fail) and says why, and pages list it apart from the rules that were applied
 */
public record Check(RuleId rule, Status status, List<int[]> cells, String detail, boolean applies) {
    public Check {
        cells = List.copyOf(cells);
        if (!applies && status != Status.PASS) {
            throw new IllegalArgumentException("a rule that does not apply passes: " + rule.label() + " is " + status.label());
        }
    }

    public Check(RuleId rule, Status status, List<int[]> cells, String detail) {
        this(rule, status, cells, detail, true);
    }

    /** A rule that does not apply here, and why. */
    public static Check notApplicable(RuleId rule, String why) {
        return new Check(rule, Status.PASS, List.of(), why, false);
    }

    /** As reports show it: rule, status, cells as [row, column] pairs, detail. */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("rule", rule.label());
        m.put("status", status.label());
        m.put("cells", cells.stream().map(x -> List.of(x[0], x[1])).toList());
        m.put("detail", detail);
        if (!applies) {
            m.put("applies", false); // only when false: records signed before this field existed read back unchanged
        }
        return m;
    }
}
