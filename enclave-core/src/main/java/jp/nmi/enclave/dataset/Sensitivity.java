package jp.nmi.enclave.dataset;

/**
 * What a column reveals, recorded in the registry so that policies and reviewers can reason about
 * it. Direct identifiers have no tag because they never reach a dataset.
 */
public enum Sensitivity {
    /** A keyed pseudonym: links rows of one person, identifies no one without the key. */
    PSEUDONYM,
    /** Combined with others, may single a person out (sex, birth year, age band, region). */
    QUASI_IDENTIFIER,
    /** Health information: diagnoses, genotypes, lab values. */
    SENSITIVE,
    /** Free text that may carry anything a clinician wrote; identifiers scrubbed at ingest. */
    FREE_TEXT,
    /** A calendar date to the day; analysts normally see only the year. */
    EXACT_DATE,
    /** Consent scope: DUO codes and the commercial-use flag. */
    CONSENT
}
