package jp.nmi.enclave.authz;

import java.util.Set;

/**
 * The marker the enclave leaves on the projection it puts over every catalog table: which table,
 * and which policies were applied. Everything below the marker is the enclave's; everything above
 * it is the analyst's. Which output is which column is read from the projection itself when the
 * statement is checked, because Spark may give the projection's outputs new expression ids after
 * the marker was set (deduplicating a self-join, for instance).
 */
record SecuredRelation(String database, String table, boolean workspace, Set<Long> policies) {
    String qualifiedName() {
        return database + "." + table;
    }
}
