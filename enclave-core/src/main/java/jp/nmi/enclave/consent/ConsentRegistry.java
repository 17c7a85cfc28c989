package jp.nmi.enclave.consent;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Every consent change the provider's consent system reported (dynamic consent), as provider
 * pseudonyms, in the order they were recorded: the registry holds no direct identifier and only
 * grows. An entry's position is its sequence number; a project's extract remembers how many
 * entries it was built with, so "since the extract" is exact without comparing clocks.
 *
 * <p>Opt-outs (提供停止) are not kept here but in the opt-out registry, their single source.
 *
 * @param format registry format version
 * @param entries the changes, oldest first
 */
public record ConsentRegistry(int format, List<Entry> entries) {
    public static final int FORMAT = 1;

    public ConsentRegistry {
        entries = List.copyOf(requireNonNull(entries, "entries is null"));
    }

    public static ConsentRegistry empty() {
        return new ConsentRegistry(FORMAT, List.of());
    }

    /**
     * One change of one participant's consent.
     *
     * @param pseudonym the provider pseudonym
     * @param change what the consent system called it
     * @param duoCodes the participant's whole consent after the change (DUO codes), or null when the
     *     change keeps the codes ({@link ConsentChangeKind#WITHDRAW_COMMERCIAL})
     * @param commercialUseProhibited whether commercial use is prohibited after the change
     * @param changedOn the day the participant made the change
     * @param recordedAt ISO-8601 instant the enclave recorded it
     */
    public record Entry(String pseudonym, ConsentChangeKind change, List<String> duoCodes, boolean commercialUseProhibited,
            String changedOn, String recordedAt) {
        public Entry {
            requireNonNull(pseudonym, "pseudonym is null");
            requireNonNull(change, "change is null");
            duoCodes = duoCodes == null ? null : List.copyOf(duoCodes);
        }
    }

    /** The number of entries: the sequence number the next entry gets. */
    public int sequence() {
        return entries.size();
    }

    /** Entries from sequence number {@code from} on. */
    public List<Entry> since(int from) {
        return entries.subList(Math.min(Math.max(from, 0), entries.size()), entries.size());
    }

    /** Entries before sequence number {@code until}. */
    public List<Entry> before(int until) {
        return entries.subList(0, Math.min(Math.max(until, 0), entries.size()));
    }

    public ConsentRegistry with(List<Entry> added) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(added);
        return new ConsentRegistry(FORMAT, all);
    }

    /**
     * A participant's consent after {@code changes} (in order) on top of {@code base}, the consent
     * the datasets carry.
     */
    public static Consent fold(Consent base, List<Entry> changes) {
        Consent c = base;
        for (Entry e : changes) {
            c = e.duoCodes() == null ? new Consent(c.duoCodes(), c.commercialUseProhibited() || e.commercialUseProhibited())
                    : new Consent(e.duoCodes(), e.commercialUseProhibited());
        }
        return c;
    }

    /** A participant's consent: DUO codes and whether commercial use is prohibited. */
    public record Consent(List<String> duoCodes, boolean commercialUseProhibited) {}
}
