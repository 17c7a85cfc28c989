package jp.nmi.enclave.audit;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What happened, before the log numbers and chains it.
 *
 * @param actor the user (or service) that acted
 * @param project the project it concerns, or null
 * @param action a dotted name such as {@code sql.statement}, {@code ingest.publish}, {@code project.apply}
 * @param outcome {@code allowed}, {@code denied}, {@code error} or {@code ok}
 * @param details what else matters: statement text, policies applied, rows, message
 */
public record AuditRecord(String actor, String project, String action, String outcome, Map<String, Object> details) {
    public AuditRecord {
        requireNonNull(actor, "actor is null");
        requireNonNull(action, "action is null");
        requireNonNull(outcome, "outcome is null");
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
}
