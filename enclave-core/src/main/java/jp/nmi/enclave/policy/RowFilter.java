package jp.nmi.enclave.policy;

/** A row-filter policy's decision for one table: rows where {@code expression} holds are visible. */
public record RowFilter(long policyId, String expression) {}
