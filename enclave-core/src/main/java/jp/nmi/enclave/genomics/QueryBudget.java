package jp.nmi.enclave.genomics;

import java.util.function.Supplier;

/**
 * What the allele-frequency service remembers of a project's queries: each user's budget (how
 * many strata they asked for) and the atoms of what was answered ({@link AnsweredAtoms}), per
 * audience (the members who see the same participants: what one was answered, the others could be
 * told). A query does its checking, spending and recording inside {@link #locked}, so that
 * concurrent queries, from any process, see each other. Spending is all or nothing: a query that
 * would go over the budget is refused whole and spends nothing; any other query spends one per
 * stratum asked, answered or refused (a refusal says something too).
 */
public interface QueryBudget {
    /** What was used and what is left after a query. */
    record Spent(int used, int left) {}

    /** Runs {@code work} holding the project's lock, across processes. */
    <T> T locked(String project, Supplier<T> work);

    /**
     * Spends {@code strata} queries of {@code user} in {@code project}.
     *
     * @throws jp.nmi.enclave.error.AccessDeniedException when the budget would be exceeded, saying how much is left
     */
    Spent spend(String project, String user, int strata, int budget);

    /** Used so far. */
    int used(String project, String user);

    /** The atoms of what the audience was answered. */
    AnsweredAtoms atoms(String project, String audience);

    void saveAtoms(String project, String audience, AnsweredAtoms atoms);

    static jp.nmi.enclave.error.AccessDeniedException exceeded(String project, String user, int used, int strata, int budget) {
        return new jp.nmi.enclave.error.AccessDeniedException(user + " has used " + used + " of the " + budget
                + " allele-frequency queries project " + project + " allows (" + (budget - used) + " left; this one needs " + strata
                + "): the budget protects participants against membership inference; the operator can raise it in the project's spec");
    }
}
