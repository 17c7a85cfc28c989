package jp.nmi.enclave.genomics;

import java.util.List;

/**
 * What each user has asked of the allele-frequency service in each project: how many strata (the
 * budget), and which strata were answered (so that a new stratum differing from an earlier one by
 * only a few participants can be refused). Spending is all or nothing: a query that would go over
 * the budget is refused whole and spends nothing; any other query spends one per stratum asked,
 * answered or refused (a refusal says something too).
 */
public interface QueryBudget {
    /** What was used and what is left after a query. */
    record Spent(int used, int left) {}

    /**
     * Spends {@code strata} queries of {@code user} in {@code project}.
     *
     * @throws jp.nmi.enclave.error.AccessDeniedException when the budget would be exceeded, saying how much is left
     */
    Spent spend(String project, String user, int strata, int budget);

    /** Used so far. */
    int used(String project, String user);

    /** The strata answered so far, as {@link Stratum#toString()} spells them. */
    List<String> answered(String project, String user);

    /** Records strata answered. */
    void remember(String project, String user, List<String> strata);

    static jp.nmi.enclave.error.AccessDeniedException exceeded(String project, String user, int used, int strata, int budget) {
        return new jp.nmi.enclave.error.AccessDeniedException(user + " has used " + used + " of the " + budget
                + " allele-frequency queries project " + project + " allows (" + (budget - used) + " left; this one needs " + strata
                + "): the budget protects participants against membership inference; the operator can raise it in the project's spec");
    }
}
