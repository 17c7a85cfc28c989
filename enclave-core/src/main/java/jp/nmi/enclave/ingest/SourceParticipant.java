package jp.nmi.enclave.ingest;

import java.time.LocalDate;
import java.util.List;

/** A participant as read from the source files, held in memory during one ingest only. */
final class SourceParticipant {
    final String pseudonym;
    final String sex;
    final LocalDate birthDate;
    final String region;
    final LocalDate enrolledOn;
    /** Values that must never survive in this participant's free text. */
    final List<String> identifiers;
    final boolean optedOut;
    List<String> duoCodes;
    boolean commercialUseProhibited;
    boolean consented;

    SourceParticipant(String pseudonym, String sex, LocalDate birthDate, String region, LocalDate enrolledOn,
            List<String> identifiers, boolean optedOut) {
        this.pseudonym = pseudonym;
        this.sex = sex;
        this.birthDate = birthDate;
        this.region = region;
        this.enrolledOn = enrolledOn;
        this.identifiers = identifiers;
        this.optedOut = optedOut;
    }

    /** Whether this participant's records go into the datasets. */
    boolean isIncluded() {
        return consented && !optedOut;
    }
}
