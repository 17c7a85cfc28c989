package jp.nmi.enclave.sql;

import java.util.List;
import java.util.Set;

/**
 * The outcome of one statement: what ran, whether it was allowed, and its result (rows capped at
 * the session's limit; {@code truncated} says so).
 */
public record StatementResult(String statement, Status status, String message, List<String> columns, List<List<Object>> rows,
        boolean truncated, Set<Long> policies) {
    /** Spelled as the {@code --format jsonl} output spells it. */
    public enum Status {
        OK("ok"), DENIED("denied"), ERROR("error");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public StatementResult {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        policies = Set.copyOf(policies);
    }

    public boolean isOk() {
        return status == Status.OK;
    }
}
