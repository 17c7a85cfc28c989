package jp.nmi.enclave.optout;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everyone who asked the provider to stop providing their data (提供停止), as provider pseudonyms:
 * the registry itself holds no direct identifier. It only grows; ingest and every project extract
 * leave these participants out.
 *
 * @param format registry format version
 * @param entries one per participant, in the order they were recorded
 */
public record OptoutRegistry(int format, List<Entry> entries) {
    public static final int FORMAT = 1;

    public OptoutRegistry {
        entries = List.copyOf(requireNonNull(entries, "entries is null"));
    }

    public static OptoutRegistry empty() {
        return new OptoutRegistry(FORMAT, List.of());
    }

    /**
     * One opted-out participant.
     *
     * @param pseudonym the provider pseudonym (HMAC of the source patient ID)
     * @param receivedOn the date the request reached the provider
     * @param recordedAt ISO-8601 instant the enclave recorded it
     */
    public record Entry(String pseudonym, String receivedOn, String recordedAt) {
        public Entry {
            requireNonNull(pseudonym, "pseudonym is null");
        }
    }

    public Set<String> pseudonyms() {
        return entries.stream().map(Entry::pseudonym).collect(Collectors.toUnmodifiableSet());
    }

    public boolean contains(String pseudonym) {
        return entries.stream().anyMatch(e -> e.pseudonym().equals(pseudonym));
    }

    /** This registry plus the entries of {@code added} it does not hold yet (the first record of a person wins). */
    public OptoutRegistry with(List<Entry> added) {
        Map<String, Entry> merged = new LinkedHashMap<>();
        for (Entry e : entries) {
            merged.putIfAbsent(e.pseudonym(), e);
        }
        for (Entry e : added) {
            merged.putIfAbsent(e.pseudonym(), e);
        }
        return new OptoutRegistry(FORMAT, new ArrayList<>(merged.values()));
    }
}
