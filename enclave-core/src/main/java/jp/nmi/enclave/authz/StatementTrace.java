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
    private final Set<String> outboxDirectories = new LinkedHashSet<>();
    private final Set<String> droppedWorkspaceTables = new LinkedHashSet<>();
    private final Set<String> expectedWrites = new LinkedHashSet<>();
    private boolean lineageWanted;
    private java.util.Optional<String> contributorProblem;

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

    void recordOutboxDirectory(String path) {
        outboxDirectories.add(path);
        expectedWrites.add(path);
    }

    /** A path a checked command will write its files to (through a nested insert Spark analyses again). */
    void expectWrite(String path) {
        expectedWrites.add(path);
    }

    boolean isExpectedWrite(String path) {
        return expectedWrites.contains(path);
    }

    /** Asks the check to trace the contributor column of the statement's result (an output being made). */
    public void requestContributorLineage() {
        lineageWanted = true;
    }

    boolean isLineageWanted() {
        return lineageWanted;
    }

    void recordContributorProblem(java.util.Optional<String> problem) {
        contributorProblem = problem;
    }

    /**
     * Why the result's contributors cannot be verified (empty if they can), once checked; a
     * statement whose lineage was not traced counts as unverifiable.
     */
    public java.util.Optional<String> contributorProblem() {
        return contributorProblem == null ? java.util.Optional.of("the statement's contributors were not traced") : contributorProblem;
    }

    void recordWorkspaceDrop(String table) {
        droppedWorkspaceTables.add(table);
    }

    /** Tables of the user's own workspace the statement drops (names without database). */
    public Set<String> droppedWorkspaceTables() {
        return Collections.unmodifiableSet(droppedWorkspaceTables);
    }

    /** Outbox directories the statement writes (scheme-less paths), checked before it ran. */
    public Set<String> outboxDirectories() {
        return Collections.unmodifiableSet(outboxDirectories);
    }

    public Set<Long> policies() {
        return Collections.unmodifiableSet(policies);
    }

    public Set<String> columns() {
        return Collections.unmodifiableSet(columns);
    }
}
