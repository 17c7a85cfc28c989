package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.dataset.DatasetReader;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.optout.OptoutRegistry;
import jp.nmi.enclave.optout.OptoutRequests;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.pseudonym.Pseudonymizer;

/**
 * Applies opt-out requests (提供停止): records them, and makes the participants vanish from every
 * open project at once — each project's row filters exclude them from the next statement on —
 * and physically from the files at the next rewrite ({@code project apply}, {@code ingest}).
 */
public final class OptoutApplier {
    /** Rows of one project that the opt-outs hide now and the next rewrite removes. */
    public record ProjectImpact(String project, int participants, Map<String, Long> rowsByTable) {
        public long rows() {
            return rowsByTable.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** What applying the file did. */
    public record Report(int requests, int newOptouts, List<ProjectImpact> projects, int unknown) {}

    private final EnclaveStorage storage;
    private final KeyStoreFile keys;
    private final PolicyPublisher publisher;
    private final AuditLog audit;
    private final String operator;
    private final Clock clock;

    public OptoutApplier(EnclaveStorage storage, KeyStoreFile keys, PolicyPublisher publisher, AuditLog audit, String operator, Clock clock) {
        this.storage = requireNonNull(storage, "storage is null");
        this.keys = keys;
        this.publisher = publisher;
        this.audit = audit;
        this.operator = operator;
        this.clock = clock;
    }

    /** The provider's patient IDs, as its deliveries write them (the demo world's and the default): PT and eight digits. */
    public static final String DEFAULT_ID_FORMAT = "PT[0-9]{8}";
    /** At most this many IDs are listed in a refusal; the count says how many there are. */
    static final int LISTED = 20;

    /** @throws ValidationException if the file is not a valid opt-out list (then nothing is recorded) */
    public Report apply(java.nio.file.Path file) {
        return apply(file, DEFAULT_ID_FORMAT, false);
    }

    /**
     * Records the opt-outs of {@code file}, after checking every ID: each must have the provider's
     * format ({@code idFormat}, a regular expression) and, unless {@code allowUnknown}, belong to a
     * patient the enclave knows (a participant of the published datasets, or one who opted out
     * before). For 提供停止 a silent typo is the worst outcome: the person asked to leave would stay.
     *
     * @throws ValidationException if the file or an ID is refused (then nothing is recorded)
     */
    public Report apply(java.nio.file.Path file, String idFormat, boolean allowUnknown) {
        return apply(file, idFormat, allowUnknown, false);
    }

    /**
     * As above; with {@code dryRun}, everything is checked and each open project's impact counted,
     * and nothing is recorded, published or audited: the plan of an opt-out file.
     */
    public Report apply(java.nio.file.Path file, String idFormat, boolean allowUnknown, boolean dryRun) {
        List<OptoutRequests.Request> requests = OptoutRequests.read(file);
        String name = file.getFileName().toString();
        checkFormat(name, requests.stream().map(r -> new Identified(r.patientId(), "line " + r.line())).toList(), idFormat);
        Pseudonymizer provider = new Pseudonymizer(keys.providerKey(), Pseudonymizer.PARTICIPANT);
        OptoutStore optouts = new OptoutStore(storage);
        OptoutRegistry before = optouts.read();
        Set<String> known = new HashSet<>(participantConsents(storage).keySet());
        known.addAll(before.pseudonyms());
        List<String> unknown = checkKnown(name, requests.stream().map(r -> new Identified(provider.pseudonym(r.patientId()),
                "line " + r.line())).toList(), known, allowUnknown, "a patient not yet delivered is kept out of every later ingest");
        return record(requests, before, unknown.size(), dryRun);
    }

    /** A patient ID (or its pseudonym) and where in its file it is. */
    record Identified(String id, String where) {}

    /** Refuses the file if an ID does not have the provider's format; names lines, never the IDs. */
    static void checkFormat(String name, List<Identified> ids, String idFormat) {
        java.util.regex.Pattern format;
        try {
            format = java.util.regex.Pattern.compile(idFormat);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ValidationException("--id-format '" + idFormat + "' is not a regular expression: " + e.getDescription());
        }
        // lines, never the IDs themselves: a terminal's scrollback and CI logs are no place for patient identifiers
        List<String> malformed = ids.stream().filter(r -> !format.matcher(r.id()).matches()).map(Identified::where).toList();
        if (!malformed.isEmpty()) {
            throw new ValidationException(name + ": " + malformed.size() + " patient ID(s) not in the provider's format " + idFormat + ": "
                    + String.join(", ", malformed.subList(0, Math.min(LISTED, malformed.size()))) + (malformed.size() > LISTED ? ", ..." : "")
                    + "; nothing was recorded");
        }
    }

    /**
     * Refuses the file if a pseudonym is of no patient the enclave knows, unless {@code allowUnknown};
     * returns where the unknown ones are.
     */
    static List<String> checkKnown(String name, List<Identified> pseudonyms, Set<String> known, boolean allowUnknown, String anyway) {
        List<String> unknown = pseudonyms.stream().filter(r -> !known.contains(r.id())).map(Identified::where).toList();
        if (!unknown.isEmpty() && !allowUnknown) {
            throw new ValidationException(name + ": " + unknown.size() + " patient ID(s) match no patient the enclave knows: "
                    + String.join(", ", unknown.subList(0, Math.min(LISTED, unknown.size()))) + (unknown.size() > LISTED ? ", ..." : "")
                    + "; nothing was recorded. Check the IDs with the provider's records, or give --allow-unknown to record them"
                    + " anyway (" + anyway + ")");
        }
        return unknown;
    }

    /** Records checked opt-out requests, hides them in every open project, and audits (unless {@code dryRun}). */
    Report record(List<OptoutRequests.Request> requests, OptoutRegistry before, int unknownCount, boolean dryRun) {
        Pseudonymizer provider = new Pseudonymizer(keys.providerKey(), Pseudonymizer.PARTICIPANT);
        OptoutStore optouts = new OptoutStore(storage);
        String now = clock.instant().toString();
        List<OptoutRegistry.Entry> added = new ArrayList<>();
        for (OptoutRequests.Request r : requests) {
            added.add(new OptoutRegistry.Entry(provider.pseudonym(r.patientId()), r.receivedOn().toString(), now));
        }
        OptoutRegistry after = before.with(added);
        if (!dryRun) {
            optouts.publish(after);
        }

        ProjectStore store = new ProjectStore(storage);
        List<ProjectImpact> impacts = new ArrayList<>();
        Map<String, Set<String>> pendingByProject = hideEverywhere(storage, keys, publisher, after.pseudonyms(),
                new jp.nmi.enclave.consent.ConsentStore(storage).read(), dryRun);
        for (Map.Entry<String, Set<String>> p : pendingByProject.entrySet()) {
            impacts.add(impact(storage, store.state(p.getKey()).orElseThrow(), p.getValue()));
        }
        if (dryRun) {
            return new Report(requests.size(), after.entries().size() - before.entries().size(), impacts, unknownCount);
        }
        // and gone from discovery's record of shown counts; the opt-outs are in force already, so a record that cannot be
        // rewritten now is said in the audit event (and purged by the next opt-out, which removes everyone listed)
        Object purgedFromDiscovery;
        try {
            purgedFromDiscovery = jp.nmi.enclave.discovery.Discovery.purge(storage,
                    after.entries().stream().map(OptoutRegistry.Entry::pseudonym).collect(java.util.stream.Collectors.toSet()));
        } catch (EnclaveStorageException e) {
            purgedFromDiscovery = "not purged: " + e.getMessage();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("requests", requests.size());
        details.put("newOptouts", after.entries().size() - before.entries().size());
        details.put("unknownRecordedAnyway", unknownCount);
        details.put("discoveryMembershipsPurged", purgedFromDiscovery);
        Map<String, Object> perProject = new LinkedHashMap<>();
        impacts.forEach(i -> perProject.put(i.project(), Map.of("participants", i.participants(), "rows", i.rows())));
        details.put("projects", perProject);
        audit.append(new AuditRecord(operator, null, "optout.apply", "ok", details));
        return new Report(requests.size(), after.entries().size() - before.entries().size(), impacts, unknownCount);
    }

    /**
     * Regenerates the policies of every open project with everyone it must hide now (opt-outs and
     * consent changes since its extract) and publishes them: in force from the next statement of
     * every session. With {@code dryRun}, only computes. Returns the hidden project pseudonyms by project.
     */
    static Map<String, Set<String>> hideEverywhere(EnclaveStorage storage, KeyStoreFile keys, PolicyPublisher publisher,
            Set<String> optedOut, jp.nmi.enclave.consent.ConsentRegistry consents, boolean dryRun) {
        ProjectStore store = new ProjectStore(storage);
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String id : store.ids()) {
            ProjectState state = store.state(id).orElseThrow();
            if (!state.isActive() || state.extract() == null) {
                continue;
            }
            SecretKey key = keys.key(state.spec().keyAlias()).orElseThrow(() -> new EnclaveStorageException(
                    "project " + id + " is active but its key " + state.spec().keyAlias() + " is missing"));
            ProjectConsent.checkIntact(consents, store.consentSeen(id), id);
            Set<String> pending = ProjectReconciler.pendingExclusions(state.spec(), state.extract(), key, optedOut, consents);
            if (!dryRun) {
                // first the mark: a registry lost after this is never read as fewer changes than the policies hide
                store.writeConsentSeen(id, consents.sequence());
                store.writePolicies(id, ProjectPolicies.generate(state.spec(), pending));
            }
            out.put(id, pending);
        }
        if (!dryRun) {
            store.publish(publisher);
        }
        return out;
    }

    /**
     * Every participant of the published datasets (provider pseudonyms) with the consent the datasets
     * carry (empty before the first ingest).
     */
    static Map<String, jp.nmi.enclave.consent.ConsentRegistry.Consent> participantConsents(EnclaveStorage storage) {
        Map<String, jp.nmi.enclave.consent.ConsentRegistry.Consent> out = new java.util.HashMap<>();
        var registry = new jp.nmi.enclave.dataset.DatasetRegistryStore(storage).read();
        if (registry.isEmpty() || registry.get().dataset("participants").isEmpty()) {
            return out;
        }
        try {
            DatasetReader.scan(storage.configuration(), storage.fileSystemUri().toString(), registry.get().dataset("participants").get(),
                    List.of("participant_id", "duo_codes", "commercial_use_prohibited"), row -> {
                        @SuppressWarnings("unchecked")
                        List<String> duo = (List<String>) row[1];
                        out.put((String) row[0], new jp.nmi.enclave.consent.ConsentRegistry.Consent(duo, Boolean.TRUE.equals(row[2])));
                    });
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the participants to check the opt-outs against: " + e.getMessage(), e);
        }
        return out;
    }

    static ProjectImpact impact(EnclaveStorage storage, ProjectState state, Set<String> pending) {
        Map<String, Long> rows = new LinkedHashMap<>();
        Set<String> present = new HashSet<>();
        for (Map.Entry<String, ProjectState.Table> t : state.extract().tables().entrySet()) {
            if (t.getValue().columns().stream().noneMatch(c -> c.name().equals("participant_id")) || pending.isEmpty()) {
                continue;
            }
            DatasetRegistry.Entry entry = new DatasetRegistry.Entry(t.getKey(), state.extract().build(), t.getValue().location(),
                    t.getValue().columns(), t.getValue().rows(), t.getValue().contentHash(), "", t.getValue().files());
            long[] count = {0};
            try {
                DatasetReader.scan(storage.configuration(), storage.fileSystemUri().toString(), entry, List.of("participant_id"), row -> {
                    if (pending.contains((String) row[0])) {
                        count[0]++;
                        present.add((String) row[0]);
                    }
                });
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot read the extract of " + state.id() + ": " + e.getMessage(), e);
            }
            if (count[0] > 0) {
                rows.put(t.getKey(), count[0]);
            }
        }
        return new ProjectImpact(state.id(), present.size(), rows);
    }
}
