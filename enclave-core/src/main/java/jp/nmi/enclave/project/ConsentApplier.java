package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.consent.ConsentChangeKind;
import jp.nmi.enclave.consent.ConsentFeed;
import jp.nmi.enclave.consent.ConsentRegistry;
import jp.nmi.enclave.consent.ConsentStore;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.optout.OptoutRegistry;
import jp.nmi.enclave.optout.OptoutRequests;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.pseudonym.Pseudonymizer;

/**
 * Applies a consent-change feed (dynamic consent) like opt-outs: records each change under the
 * provider pseudonym, hides from the next statement of every open project the participants whose
 * consent no longer covers its purpose ({@link ProjectConsent}), and says for each project who
 * leaves and whose widened consent would let them join (only at an apply of a spec that admits
 * widened consent). Opt-out rows go to the opt-out registry. The next {@code project apply} removes
 * the leavers from the extract and the members' derived data.
 */
public final class ConsentApplier {
    /**
     * What a feed does to one open project.
     *
     * @param leaving participants of the extract hidden from the next statement by this feed
     * @param rows their rows in the extract
     * @param widened participants whose consent now covers the purpose and did not before
     * @param admitsWidened whether the spec admits them at its next apply
     */
    public record ProjectChange(String project, int leaving, long rows, int widened, boolean admitsWidened) {}

    /** What applying the feed did (or, dry, would do). */
    public record Report(int changes, int consentChanges, int optouts, int unknown, List<ProjectChange> projects) {}

    private final EnclaveStorage storage;
    private final KeyStoreFile keys;
    private final PolicyPublisher publisher;
    private final AuditLog audit;
    private final String operator;
    private final Clock clock;

    public ConsentApplier(EnclaveStorage storage, KeyStoreFile keys, PolicyPublisher publisher, AuditLog audit, String operator, Clock clock) {
        this.storage = requireNonNull(storage, "storage is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.operator = requireNonNull(operator, "operator is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * @throws ValidationException if the feed or an ID is refused (then nothing is recorded)
     */
    public Report apply(java.nio.file.Path file, String idFormat, boolean allowUnknown, boolean dryRun) {
        String name = file.getFileName().toString();
        List<ConsentFeed.Change> changes = ConsentFeed.read(file);
        OptoutApplier.checkFormat(name, changes.stream().map(c -> new OptoutApplier.Identified(c.patientId(), c.where())).toList(),
                idFormat);
        Pseudonymizer provider = new Pseudonymizer(keys.providerKey(), Pseudonymizer.PARTICIPANT);
        Map<String, ConsentRegistry.Consent> base = OptoutApplier.participantConsents(storage);
        OptoutRegistry optoutsBefore = new OptoutStore(storage).read();
        ConsentStore consentStore = new ConsentStore(storage);
        ConsentRegistry before = consentStore.read();
        Set<String> known = new HashSet<>(base.keySet());
        known.addAll(optoutsBefore.pseudonyms());
        List<String> unknown = OptoutApplier.checkKnown(name, changes.stream().map(c -> new OptoutApplier.Identified(
                provider.pseudonym(c.patientId()), c.where())).toList(), known, allowUnknown,
                "a change of a patient not yet delivered applies once they are");

        // each change against the consent before it: a "narrow" that covers more, or a "widen" that covers less, is a feed error
        Map<String, ConsentRegistry.Consent> current = new HashMap<>();
        Map<String, List<ConsentRegistry.Entry>> recorded = new HashMap<>();
        before.entries().forEach(e -> recorded.computeIfAbsent(e.pseudonym(), p -> new ArrayList<>()).add(e));
        String now = clock.instant().toString();
        List<ConsentRegistry.Entry> added = new ArrayList<>();
        List<OptoutRequests.Request> optouts = new ArrayList<>();
        Map<String, ConsentRegistry.Consent> previousOf = new HashMap<>();
        // the latest day of a change recorded for each participant: a change older than it is a feed out of order
        Map<String, String> latest = new HashMap<>();
        before.entries().forEach(e -> latest.merge(e.pseudonym(), e.changedOn(), (a, b) -> a.compareTo(b) >= 0 ? a : b));
        optoutsBefore.entries().stream().filter(e -> e.receivedOn() != null)
                .forEach(e -> latest.merge(e.pseudonym(), e.receivedOn(), (a, b) -> a.compareTo(b) >= 0 ? a : b));
        // a row recorded before (a feed that overlaps the last one): nothing new, skipped rather than refused
        java.util.Set<String> recordedRows = new java.util.HashSet<>();
        before.entries().forEach(e -> recordedRows.add(e.pseudonym() + "|" + e.change().label() + "|" + e.duoCodes() + "|"
                + e.commercialUseProhibited() + "|" + e.changedOn()));
        for (ConsentFeed.Change c : changes) {
            String pseudonym = provider.pseudonym(c.patientId());
            String day = c.changedOn().toString();
            if (c.kind() != ConsentChangeKind.OPT_OUT && recordedRows.contains(pseudonym + "|" + c.kind().label() + "|" + c.duoCodes() + "|"
                    + (c.commercialUseProhibited() != null && c.commercialUseProhibited()) + "|" + day)) {
                continue;
            }
            String last = latest.get(pseudonym);
            if (last != null && day.compareTo(last) < 0) {
                // applied in file order, an old "widen" sent again would undo a newer narrowing
                throw new ValidationException(name + " " + c.where() + ": the change is dated before a change already recorded for"
                        + " the same patient (the feed is out of order); nothing was recorded");
            }
            latest.put(pseudonym, day);
            if (c.kind() == ConsentChangeKind.OPT_OUT) {
                optouts.add(new OptoutRequests.Request(c.patientId(), c.changedOn(), 0));
                continue;
            }
            ConsentRegistry.Entry entry = new ConsentRegistry.Entry(pseudonym, c.kind(), c.duoCodes(), c.commercialUseProhibited(),
                    c.changedOn().toString(), now);
            ConsentRegistry.Consent was = current.computeIfAbsent(pseudonym, p -> base.containsKey(p)
                    ? ConsentRegistry.fold(base.get(p), recorded.getOrDefault(p, List.of())) : null);
            previousOf.putIfAbsent(pseudonym, was);
            if (was != null) {
                ConsentRegistry.Consent after = ConsentRegistry.fold(was, List.of(entry));
                String wrong = ProjectConsent.contradiction(c.kind(), was, after);
                if (wrong != null) {
                    throw new ValidationException(name + " " + c.where() + ": " + wrong + "; nothing was recorded");
                }
                current.put(pseudonym, after);
            }
            added.add(entry);
        }
        ConsentRegistry after = before.with(added);

        // what each open project loses now and could gain at its next apply
        Set<String> optedOutAfter = new HashSet<>(optoutsBefore.pseudonyms());
        optouts.forEach(r -> optedOutAfter.add(provider.pseudonym(r.patientId())));
        ProjectStore store = new ProjectStore(storage);
        Map<String, Set<String>> hiddenBefore = OptoutApplier.hideEverywhere(storage, keys, publisher, optoutsBefore.pseudonyms(), before,
                true);
        if (!dryRun) {
            consentStore.publish(after);
            if (!optouts.isEmpty()) {
                new OptoutApplier(storage, keys, publisher, audit, operator, clock).record(optouts, optoutsBefore, 0, false);
            }
        }
        Map<String, Set<String>> hiddenAfter = OptoutApplier.hideEverywhere(storage, keys, publisher, optedOutAfter, after, dryRun);
        List<ProjectChange> projects = new ArrayList<>();
        for (Map.Entry<String, Set<String>> p : hiddenAfter.entrySet()) {
            ProjectState state = store.state(p.getKey()).orElseThrow();
            Set<String> leaving = new HashSet<>(p.getValue());
            leaving.removeAll(hiddenBefore.getOrDefault(p.getKey(), Set.of()));
            OptoutApplier.ProjectImpact impact = OptoutApplier.impact(storage, state, leaving);
            int widened = 0;
            for (Map.Entry<String, ConsentRegistry.Consent> c : current.entrySet()) {
                ConsentRegistry.Consent was = previousOf.get(c.getKey());
                if (was != null && !ProjectConsent.coversProject(state.spec(), was) && ProjectConsent.coversProject(state.spec(), c.getValue())
                        && !optedOutAfter.contains(c.getKey())) {
                    widened++;
                }
            }
            projects.add(new ProjectChange(p.getKey(), impact.participants(), impact.rows(), widened,
                    state.spec().cohort().admitWidenedConsent()));
        }
        Report report = new Report(changes.size(), added.size(), optouts.size(), unknown.size(), projects);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("file", name);
        details.put("changes", changes.size());
        details.put("consentChanges", added.size());
        details.put("optouts", optouts.size());
        details.put("unknownRecordedAnyway", unknown.size());
        Map<String, Object> perProject = new LinkedHashMap<>();
        projects.forEach(p -> perProject.put(p.project(), Map.of("leaving", p.leaving(), "rows", p.rows(), "widened", p.widened(),
                "admitsWidened", p.admitsWidened())));
        details.put("projects", perProject);
        audit.append(new AuditRecord(operator, null, dryRun ? "consent.plan" : "consent.apply", "ok", details));
        return report;
    }
}
