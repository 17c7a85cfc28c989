package jp.nmi.enclave.authz;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import jp.nmi.enclave.policy.Principal;

/**
 * What the enclave learns about one statement while Spark analyses it: who runs it, whether the
 * authorizer's rules saw it, which policies applied and which columns it reads. The enclave
 * refuses any statement whose trace was not marked checked.
 */
public final class StatementTrace {
    private final Principal principal;
    private final boolean system;
    private boolean checked;
    private boolean executing;
    private final Set<Long> policies = new LinkedHashSet<>();
    private final Set<String> columns = new LinkedHashSet<>();

    private StatementTrace(Principal principal, boolean system) {
        this.principal = principal;
        this.system = system;
    }

    static StatementTrace forUser(Principal principal) {
        return new StatementTrace(java.util.Objects.requireNonNull(principal, "principal is null"), false);
    }

    /** The enclave's own set-up statements (registering a project's tables): never reachable by users. */
    static StatementTrace forSystem() {
        return new StatementTrace(null, true);
    }

    public Principal principal() {
        return principal;
    }

    public boolean isSystem() {
        return system;
    }

    public boolean isChecked() {
        return checked;
    }

    void markChecked() {
        checked = true;
    }

    /**
     * The statement has been analysed and checked; what Spark analyses from now on is derived by
     * the enclave itself from the checked plan (a row limit, the collection of results), never
     * new analyst input.
     */
    public void enterExecution() {
        if (!checked) {
            throw new IllegalStateException("a statement cannot execute before it is checked");
        }
        executing = true;
    }

    boolean isExecuting() {
        return executing;
    }

    void recordPolicy(long id) {
        if (id >= 0) {
            policies.add(id);
        }
    }

    void recordColumn(String column) {
        columns.add(column);
    }

    public Set<Long> policies() {
        return Collections.unmodifiableSet(policies);
    }

    public Set<String> columns() {
        return Collections.unmodifiableSet(columns);
    }
}
