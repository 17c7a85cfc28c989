package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.consent.ConsentRegistry;
import jp.nmi.enclave.consent.ConsentStore;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.pseudonym.Pseudonymizer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * Turns a project spec into a running project, idempotently: {@link #plan} says exactly what
 * {@link #apply} would change, and applying a spec that is already in force changes nothing.
 *
 * <p>What a project is: its pseudonym key, its HDFS directories (owner, mode, ACLs), its extract
 * (rebuilt when the spec, the source datasets, the opt-outs or the key change), its Ranger
 * policies (in force as soon as they are published), its member list and its state file. The
 * extract is built into a new directory and published by replacing the state file; a failure
 * leaves the previous extract in force.
 */
public final class ProjectReconciler {
    /**
     * One change: what is done to what, and why; {@code items} say exactly what, before and after
     * ({@code + } added, {@code - } removed, {@code ~ } changed).
     */
    public record Change(String action, String target, String detail, List<String> items) {
        public Change {
            items = List.copyOf(items);
        }

        public Change(String action, String target, String detail) {
            this(action, target, detail, List.of());
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-8s %s: %s", action, target, detail);
        }
    }

    /** How many things a plan adds, changes and destroys, as terraform counts them. */
    public record Summary(int add, int change, int destroy) {
        @Override
        public String toString() {
            return add + " to add, " + change + " to change, " + destroy + " to destroy";
        }
    }

    /** The changes to a project, in the order they are made. */
    public record Plan(String project, List<Change> changes) {
        public boolean isEmpty() {
            return changes.isEmpty();
        }

        /** Items count one each by their sign; a change without items counts by its action. */
        public Summary summary() {
            int add = 0;
            int change = 0;
            int destroy = 0;
            for (Change c : changes) {
                if (c.items().isEmpty()) {
                    switch (c.action()) {
                        case "create" -> add++;
                        case "purge" -> destroy++;
                        default -> change++;
                    }
                }
                for (String i : c.items()) {
                    if (i.startsWith("+ ")) {
                        add++;
                    } else if (i.startsWith("- ")) {
                        destroy++;
                    } else if (i.startsWith("~ ")) {
                        change++;
                    }
                }
            }
            return new Summary(add, change, destroy);
        }

        /** The plan as people read it: each change, its items indented below it. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            for (Change c : changes) {
                out.add(c.toString());
                c.items().forEach(i -> out.add("    " + i));
            }
            return out;
        }
    }

    private final EnclaveStorage storage;
    private final KeyStoreFile keys;
    private final PolicyPublisher publisher;
    private final AuditLog audit;
    private final String operator;
    private final Clock clock;
    private final Progress progress;
    private final ProjectStore store;
    private final ProjectDirectories directories;

    public ProjectReconciler(EnclaveStorage storage, KeyStoreFile keys, PolicyPublisher publisher, AuditLog audit, String operator,
            Clock clock, Progress progress) {
        this.storage = requireNonNull(storage, "storage is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.operator = requireNonNull(operator, "operator is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.progress = requireNonNull(progress, "progress is null");
        this.store = new ProjectStore(storage);
        this.directories = new ProjectDirectories(storage);
    }

    /** What {@link #apply} would change. Changes nothing. */
    public Plan plan(ProjectSpec spec) {
        return desired(spec).plan;
    }

    /**
     * A hash of everything a plan of {@code spec} was made from: the project's state, members and
     * policies as stored, the published datasets, the opt-outs, the key's existence, and the plan
     * itself. A saved plan is applied only while this is unchanged.
     */
    public String world(ProjectSpec spec) {
        Map<String, Object> w = new TreeMap<>();
        w.put("spec", sha256(ProjectStore.json(spec)));
        w.put("state", store.state(spec.id()).map(ProjectStore::json).orElse("none"));
        w.put("members", store.members(spec.id()).map(ProjectStore::json).orElse("none"));
        w.put("policies", String.valueOf(store.policiesJson(spec.id())));
        w.put("publication", new DatasetRegistryStore(storage).read().map(DatasetRegistry::publication).orElse("none"));
        w.put("optouts", sha256(String.join(",", new TreeSet<>(new OptoutStore(storage).read().pseudonyms()))));
        w.put("consents", sha256(ProjectStore.json(new ConsentStore(storage).read())));
        w.put("key", keys.key(spec.keyAlias()).isPresent());
        w.put("plan", String.join("\n", plan(spec).lines()));
        return sha256(ProjectStore.json(w));
    }

    /**
     * Makes the project what {@code spec} says and audits what changed.
     *
     * @throws ValidationException if the project was closed
     */
    public Plan apply(ProjectSpec spec) {
        try {
            return reconcile(spec);
        } catch (RuntimeException e) {
            // a refused or failed apply is an action too: the trail says who tried what, and why it did not happen
            try {
                audit.append(new AuditRecord(operator, spec.id(), "project.apply", e instanceof ValidationException ? "refused" : "error",
                        Map.of("error", String.valueOf(e.getMessage()))));
            } catch (RuntimeException auditFailure) {
                e.addSuppressed(auditFailure);
            }
            throw e;
        }
    }

    private Plan reconcile(ProjectSpec spec) {
        Desired planned = desired(spec);
        if (planned.plan.isEmpty()) {
            return planned.plan;
        }
        SecretKey key = keys.keyOrCreate(spec.keyAlias());
        // again, now that the key exists: the extract's fingerprint includes it
        Desired d = desired(spec);
        for (ProjectDirectories.Desired dir : d.directories) {
            directories.apply(dir);
        }
        ProjectState.Extract extract = d.current.map(ProjectState::extract).orElse(null);
        Set<String> eligible = null;
        if (d.rebuild) {
            Built built = buildExtract(spec, d, key);
            extract = built.extract();
            eligible = built.eligible();
        }
        // Derived data first: while the extract in force is the old one, sessions keep hiding whoever left through
        // a consent change since it was written; once the new state is written they stop (its sequence is newer),
        // so the rows must be gone by then. A purge that fails leaves the old extract in force, and the next apply
        // rebuilds and purges again.
        Set<String> gone = new HashSet<>(projectOptouts(key, d.optedOut));
        if (d.rebuild && d.current.isPresent() && d.current.get().extract() != null) {
            gone.addAll(consentGone(spec, d.current.get().extract(), extract, d.consents, key, eligible));
        }
        DerivedData.Report purged = new DerivedData(storage).purge(store.projectDir(spec.id()), gone, hiddenByUser(spec, extract));
        String now = clock.instant().toString();
        ProjectState state = new ProjectState(ProjectState.FORMAT, spec.id(), ProjectState.ACTIVE, spec, sha256(ProjectStore.json(spec)),
                now, operator, extract, null, null, null);
        store.writeState(state); // publishes the new extract
        if (d.rebuild) {
            removeOldBuilds(spec.id(), extract.build());
        }
        store.writeMembers(members(spec, ProjectState.ACTIVE));
        // opt-outs and consent changes recorded while the extract was built: read again, so that they stay hidden
        ConsentRegistry consentsNow = new ConsentStore(storage).read();
        ProjectConsent.checkIntact(consentsNow, store.consentSeen(spec.id()), spec.id());
        store.writeConsentSeen(spec.id(), consentsNow.sequence());
        List<RangerPolicy> policies = ProjectPolicies.generate(spec, pendingExclusions(spec, extract, key,
                new OptoutStore(storage).read().pseudonyms(), consentsNow));
        store.writePolicies(spec.id(), policies);
        store.publish(publisher);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("changes", planned.plan.changes().stream().map(Change::toString).toList());
        details.put("specSha256", state.specSha256());
        if (extract != null) {
            details.put("extract", extract.build());
            details.put("participants", extract.participants());
        }
        if (!purged.isEmpty()) {
            details.put("derivedRowsRemoved", purged.rows());
            details.put("derivedFiles", purged.affected().stream().map(DerivedData.Affected::path).toList());
        }
        audit.append(new AuditRecord(operator, spec.id(), "project.apply", "ok", details));
        publishRegister(storage, clock, spec.id());
        return planned.plan;
    }

    private record Desired(Plan plan, Optional<ProjectState> current, List<ProjectDirectories.Desired> directories, boolean rebuild,
            DatasetRegistry registry, Set<String> optedOut, ConsentRegistry consents, String fingerprint, DerivedData.Report derived) {}

    private Desired desired(ProjectSpec spec) {
        Optional<ProjectState> current = store.state(spec.id());
        if (current.isPresent() && !current.get().isActive()) {
            throw new ValidationException("project " + spec.id() + " was closed on " + current.get().closedAt() + " by "
                    + current.get().closedBy() + "; a closed project is not reopened (apply a new project id)");
        }
        List<Change> changes = new ArrayList<>();
        Optional<SecretKey> key = keys.key(spec.keyAlias());
        if (key.isEmpty()) {
            changes.add(new Change("create", "key " + spec.keyAlias(), "the project's own pseudonym key"));
        }
        List<ProjectDirectories.Desired> dirs = new ArrayList<>();
        for (ProjectDirectories.Desired dir : directories.desired(spec)) {
            String diff = directories.difference(dir);
            if (diff != null) {
                dirs.add(dir);
                changes.add(new Change(diff.startsWith("create") ? "create" : "update", Path.getPathWithoutSchemeAndAuthority(dir.path())
                        .toString(), diff.startsWith("create") ? diff.substring("create ".length()) : diff));
            }
        }
        DatasetRegistry registry = new DatasetRegistryStore(storage).require();
        Set<String> optedOut = new OptoutStore(storage).read().pseudonyms();
        ConsentRegistry consents = new ConsentStore(storage).read();
        current.ifPresent(c -> ProjectConsent.checkIntact(consents, c.extract(), spec.id()));
        ProjectConsent.checkIntact(consents, store.consentSeen(spec.id()), spec.id());
        String fingerprint = fingerprint(spec, registry, optedOut, consents, key.map(ProjectReconciler::keyCheck).orElse("new key"));
        ProjectState.Extract extract = current.map(ProjectState::extract).orElse(null);
        boolean rebuild = extract == null || !extract.fingerprint().equals(fingerprint);
        if (rebuild) {
            changes.add(new Change("build", "extract", extractReason(spec, current, registry, optedOut, consents),
                    extractItems(spec, current, registry, optedOut, consents)));
        }
        if (current.isEmpty() || !current.get().specSha256().equals(sha256(ProjectStore.json(spec)))) {
            changes.add(new Change(current.isEmpty() ? "create" : "update", "project.json", "the spec as applied (" + spec.title() + ")"));
        }
        if (!store.members(spec.id()).equals(Optional.of(members(spec, ProjectState.ACTIVE)))) {
            changes.add(new Change(store.members(spec.id()).isEmpty() ? "create" : "update", "members.json",
                    spec.members().stream().map(m -> m.user() + " (" + m.role() + ", " + m.affiliation() + ")").toList().toString(),
                    PlanDetails.members(store.members(spec.id()).map(jp.nmi.enclave.project.MemberList::members).orElse(List.of()), spec.members())));
        } else if (!store.isMembersReadableByServices(spec.id())) {
            changes.add(new Change("update", "members.json", "readable by the egress service"));
        }
        // Policies after this apply: with a rebuilt extract no opt-out is pending any more.
        Set<String> pending = rebuild || key.isEmpty() ? Set.of() : pendingExclusions(spec, extract, key.get(), optedOut, consents);
        String policies = ProjectPolicies.toJson(ProjectPolicies.generate(spec, pending));
        if (!policies.equals(store.policiesJson(spec.id()))) {
            List<RangerPolicy> generated = ProjectPolicies.generate(spec, pending);
            int count = generated.size();
            changes.add(new Change(store.policiesJson(spec.id()) == null ? "create" : "update", "Ranger policies",
                    count + " policies valid " + spec.start() + " to " + spec.end() + (pending.isEmpty() ? ""
                            : ", filtering " + pending.size() + " participant(s) who opted out or whose consent changed since the extract was written"),
                    PlanDetails.policies(store.policiesJson(spec.id()) == null ? List.of() : store.policies(spec.id()), generated)));
        }
        // what is in force must be what was generated: missing or edited policies are put back
        List<RangerPolicy> inForce = publisher.all();
        Set<String> generatedNames = store.policies(spec.id()).stream().map(RangerPolicy::getName).collect(java.util.stream.Collectors.toSet());
        boolean published = jp.nmi.enclave.policy.PolicyContent.allInForce(store.policies(spec.id()), inForce)
                // and nothing else in force claims to be the project's (an extra grant added by hand)
                && inForce.stream().map(RangerPolicy::getName).filter(n -> n != null && n.startsWith(spec.id() + ":"))
                        .allMatch(generatedNames::contains);
        if (!published && changes.stream().noneMatch(c -> c.target().equals("Ranger policies"))) {
            changes.add(new Change("publish", "Ranger policies", "the project's policies in force in " + publisher.describe()
                    + " are missing or differ from the generated ones"));
        }
        Optional<String> recorded = store.policyPlace();
        if (!recorded.equals(Optional.of(publisher.place())) && changes.stream().noneMatch(c -> c.target().equals("Ranger policies"))) {
            // the sessions serve only from where the policies were last published: the record must follow
            changes.add(new Change("publish", "Ranger policies", "the policies in force are recorded as kept in "
                    + recorded.map(ProjectStore::describePlace).orElse("no place yet") + "; from now on in " + publisher.describe()));
        }
        // what the members derived still holds of participants who opted out (hidden from sessions already)
        DerivedData.Report derived = key.isEmpty() || current.isEmpty()
                ? new DerivedData.Report(List.of(), List.of())
                : new DerivedData(storage).scan(store.projectDir(spec.id()), derivedToPurge(spec, current.get().extract(), key.get(),
                        optedOut, consents), hiddenByUser(spec, current.get().extract()));
        if (!derived.isEmpty()) {
            changes.add(new Change("purge", "derived data", derived.describe()));
        }
        return new Desired(new Plan(spec.id(), List.copyOf(changes)), current, dirs, rebuild, registry, optedOut, consents, fingerprint,
                derived);
    }

    /**
     * Regenerates the public data-use register after a change of {@code project}. The change itself
     * is done and audited; a register that cannot be written is said, with how to regenerate it.
     */
    static void publishRegister(EnclaveStorage storage, Clock clock, String project) {
        try {
            new jp.nmi.enclave.transparency.DataUseRegister(storage, clock).publishProjects(RegisterEntries.all(storage));
        } catch (RuntimeException e) {
            throw new EnclaveStorageException("project " + project + " was changed, but the data-use register could not be regenerated ("
                    + e.getMessage() + "); run ./enclave register publish", e);
        }
    }

    /** A new extract, and the provider pseudonyms of the participants it holds. */
    private record Built(ProjectState.Extract extract, Set<String> eligible) {}

    private Built buildExtract(ProjectSpec spec, Desired d, SecretKey key) {
        String build = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).format(clock.instant().atOffset(ZoneOffset.UTC))
                + "-" + HexFormat.of().formatHex(new byte[] {(byte) System.nanoTime(), (byte) (System.nanoTime() >> 8)});
        Path dir = new Path(new Path(store.projectDir(spec.id()), "extract"), build);
        try {
            ProjectState.Extract previous = d.current.map(ProjectState::extract).orElse(null);
            ExtractBuilder.Result r = new ExtractBuilder(storage, progress).build(spec, d.registry, d.optedOut, d.consents, previous, key, dir);
            // the allele-frequency indexes go with the extract they describe: built now, removed with it
            new jp.nmi.enclave.genomics.AfIndexStore(storage, progress).build(dir, r.tables(), r.audiences());
            Set<String> optedOutInCohort = new HashSet<>(d.optedOut);
            return new Built(new ProjectState.Extract(build, d.fingerprint, d.registry.publication(), r.participants(),
                    optedOutInCohort.stream().sorted().toList(), new TreeMap<>(r.tables()), new TreeMap<>(r.audiences()),
                    d.consents.sequence(), r.notAdmitted()), r.eligible());
        } catch (IOException | RuntimeException e) {
            try {
                storage.fs().delete(dir, true);
            } catch (IOException ignored) {
                // an unreferenced build is removed by the next apply
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new EnclaveStorageException("cannot build the extract of " + spec.id() + ": " + e.getMessage(), e);
        }
    }

    private void removeOldBuilds(String project, String keep) {
        Path extract = new Path(store.projectDir(project), "extract");
        try {
            for (FileStatus s : storage.fs().listStatus(extract)) {
                if (s.isDirectory() && !s.getPath().getName().equals(keep)) {
                    storage.fs().delete(s.getPath(), true);
                }
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot remove earlier extracts of " + project + ": " + e.getMessage(), e);
        }
    }

    /**
     * For each member of an audience of its own (industry members of a non-commercial project): the
     * participants of the extract outside that audience, whom their workspace may not hold.
     */
    private Map<String, Set<String>> hiddenByUser(ProjectSpec spec, ProjectState.Extract extract) {
        if (extract == null || !extract.audiences().containsKey(ExtractBuilder.COMMERCIAL_USE_AUDIENCE)) {
            return Map.of();
        }
        ProjectState.Table all = extract.tables().get("participants");
        ProjectState.Table visible = extract.audiences().get(ExtractBuilder.COMMERCIAL_USE_AUDIENCE).tables().get("participants");
        if (all == null || visible == null) {
            return Map.of();
        }
        Set<String> hidden = participantIds(extract.build(), all);
        hidden.removeAll(participantIds(extract.build(), visible));
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (jp.nmi.enclave.project.ProjectMember m : spec.members()) {
            if (m.isIndustry()) {
                out.put(m.user(), hidden);
            }
        }
        return out;
    }

    private Set<String> participantIds(String build, ProjectState.Table t) {
        Set<String> ids = new HashSet<>();
        try {
            jp.nmi.enclave.dataset.DatasetReader.scan(storage.configuration(), storage.fileSystemUri().toString(),
                    new DatasetRegistry.Entry("participants", build, t.location(), t.columns(), t.rows(), t.contentHash(), "", t.files()),
                    List.of("participant_id"), row -> ids.add((String) row[0]));
        } catch (java.io.IOException e) {
            throw new EnclaveStorageException("cannot read the extract's participants: " + e.getMessage(), e);
        }
        return ids;
    }

    /** Project pseudonyms of every participant who opted out. */
    static Set<String> projectOptouts(SecretKey key, Set<String> optedOut) {
        Pseudonymizer rekey = new Pseudonymizer(key, "project");
        Set<String> out = new HashSet<>();
        for (String p : optedOut) {
            out.add(rekey.pseudonym(p));
        }
        return out;
    }

    /**
     * Project pseudonyms of participants still in the extract's files whom statements must not see:
     * who opted out after it was written, and who left through a consent change since
     * ({@link ProjectConsent#leftSince}). The row filters and the workspace filter hide them.
     */
    public static Set<String> pendingExclusions(ProjectSpec spec, ProjectState.Extract extract, SecretKey key, Set<String> optedOut,
            ConsentRegistry consents) {
        if (extract == null) {
            return Set.of();
        }
        ProjectConsent.checkIntact(consents, extract, spec.id());
        Set<String> pending = new HashSet<>(optedOut);
        pending.removeAll(extract.optedOut());
        pending.addAll(ProjectConsent.leftSince(spec, consents, ProjectConsent.sequenceOf(extract), true));
        Pseudonymizer rekey = new Pseudonymizer(key, "project");
        Set<String> out = new HashSet<>();
        for (String p : pending) {
            out.add(rekey.pseudonym(p));
        }
        return out;
    }

    public static jp.nmi.enclave.project.MemberList members(ProjectSpec spec, ProjectStatus status) {
        return new jp.nmi.enclave.project.MemberList(spec.id(), status, spec.start().toString(), spec.end().toString(), spec.disclosureProfile(),
                spec.members(), null, spec.regulatory());
    }

    /**
     * Project pseudonyms of participants who were in {@code previous} and are not in the rebuilt
     * extract because of their consent: what the members' derived data may no longer hold.
     */
    private static Set<String> consentGone(ProjectSpec spec, ProjectState.Extract previous, ProjectState.Extract rebuilt,
            ConsentRegistry consents, SecretKey key, Set<String> eligible) {
        Set<String> out = new HashSet<>(ProjectConsent.leftSince(spec, consents, ProjectConsent.sequenceOf(previous), false));
        out.addAll(ProjectConsent.notAdmitted(rebuilt, ProjectConsent.PROJECT));
        if (eligible != null) {
            out.removeAll(eligible);
        }
        return projectOptouts(key, out);
    }

    /** What the plan says the members' derived data still holds of: opt-outs, and who left through a consent change. */
    private static Set<String> derivedToPurge(ProjectSpec spec, ProjectState.Extract extract, SecretKey key, Set<String> optedOut,
            ConsentRegistry consents) {
        Set<String> out = new HashSet<>(optedOut);
        out.addAll(ProjectConsent.leftSince(spec, consents, ProjectConsent.sequenceOf(extract), false));
        return projectOptouts(key, out);
    }

    private static String fingerprint(ProjectSpec spec, DatasetRegistry registry, Set<String> optedOut, ConsentRegistry consents,
            String keyCheck) {
        Map<String, Object> f = new TreeMap<>();
        f.put("format", 3); // 2: audiences of their own (industry members of non-commercial projects); 3: their consent table
        f.put("datasets", new TreeMap<>(spec.datasets()));
        f.put("cohort", spec.cohort());
        f.put("purpose", spec.purpose());
        f.put("industry", spec.members().stream().anyMatch(jp.nmi.enclave.project.ProjectMember::isIndustry));
        f.put("publication", registry.publication());
        f.put("sources", registry.datasets().stream().map(DatasetRegistry.Entry::contentHash).sorted().toList());
        f.put("optouts", sha256(String.join("\n", new java.util.TreeSet<>(optedOut))));
        if (consents.sequence() > 0) {
            // absent while nothing was recorded: extracts built before dynamic consent are not rebuilt for it
            f.put("consents", sha256(ProjectStore.json(consents)));
        }
        f.put("key", keyCheck);
        return sha256(ProjectStore.json(f));
    }

    /** What a rebuild changes: datasets and columns, cohort, purpose, and the participants it holds before and after. */
    private List<String> extractItems(ProjectSpec spec, Optional<ProjectState> current, DatasetRegistry registry, Set<String> optedOut,
            ConsentRegistry consents) {
        List<String> items = new ArrayList<>();
        ProjectState.Extract e = current.map(ProjectState::extract).orElse(null);
        ProjectSpec before = current.map(ProjectState::spec).orElse(null);
        items.addAll(PlanDetails.datasets(before == null ? Map.of() : before.datasets(), spec.datasets()));
        if (before != null && !before.cohort().equals(spec.cohort())) {
            items.add("~ cohort: " + PlanDetails.cohort(before.cohort()) + " -> " + PlanDetails.cohort(spec.cohort()));
        }
        if (before != null && !before.purpose().equals(spec.purpose())) {
            items.add("~ purpose: " + PlanDetails.purpose(before.purpose()) + " -> " + PlanDetails.purpose(spec.purpose()));
        }
        long after;
        try {
            ExtractBuilder.Selection selection = new ExtractBuilder(storage, Progress.NONE).select(spec, registry, optedOut, consents, e);
            after = selection.eligible().size();
            for (Map.Entry<String, List<String>> held : selection.notAdmitted().entrySet()) {
                items.add("  not admitted: " + PlanDetails.count(held.getValue().size()) + " participant(s) whose consent widened"
                        + (held.getKey().equals(ProjectConsent.PROJECT) ? "" : " to allow commercial use (industry members' view)")
                        + " (the spec does not set cohort.admit_widened_consent)");
            }
        } catch (IOException ex) {
            throw new jp.nmi.enclave.error.EnclaveStorageException("cannot count the cohort of " + spec.id() + ": " + ex.getMessage(), ex);
        }
        items.add(e == null ? "+ participants: " + PlanDetails.count(after) : PlanDetails.participants(e.participants(), after));
        long rows = 0;
        for (String d : spec.datasets().keySet()) {
            rows += registry.dataset(d).map(DatasetRegistry.Entry::rowCount).orElse(0L);
        }
        items.add(String.format(Locale.ROOT, "  cost: reads %,d rows of %d dataset(s) and writes the cohort's", rows, spec.datasets().size()));
        return items;
    }

    private String extractReason(ProjectSpec spec, Optional<ProjectState> current, DatasetRegistry registry, Set<String> optedOut,
            ConsentRegistry consents) {
        ProjectState.Extract e = current.map(ProjectState::extract).orElse(null);
        if (e == null) {
            return "first extract from publication " + registry.publication() + " (approved columns and cohort only, pseudonyms re-keyed)";
        }
        List<String> reasons = new ArrayList<>();
        if (!e.sourcePublication().equals(registry.publication())) {
            reasons.add("datasets republished (" + e.sourcePublication() + " -> " + registry.publication() + ")");
        }
        Set<String> newOptouts = new HashSet<>(optedOut);
        newOptouts.removeAll(e.optedOut());
        if (!newOptouts.isEmpty()) {
            reasons.add(newOptouts.size() + " opt-out(s) since the last extract, removed physically now");
        }
        int changes = consents.since(ProjectConsent.sequenceOf(e)).size();
        if (changes > 0) {
            int left = ProjectConsent.leftSince(spec, consents, ProjectConsent.sequenceOf(e), false).size();
            reasons.add(changes + " consent change(s) since the last extract" + (left == 0 ? "" : ", " + left
                    + " of them no longer covering the purpose: removed physically now"));
        }
        ProjectSpec before = current.get().spec();
        if (!before.datasets().equals(spec.datasets())) {
            reasons.add("approved datasets or columns changed");
        }
        if (!before.cohort().equals(spec.cohort())) {
            reasons.add("cohort changed");
        }
        if (!before.purpose().equals(spec.purpose())) {
            reasons.add("purpose changed");
        }
        if (reasons.isEmpty()) {
            reasons.add("its inputs changed (members' affiliations or the key)");
        }
        return "rebuild: " + String.join("; ", reasons);
    }

    /** A value that changes with the key and reveals nothing of it. */
    private static String keyCheck(SecretKey key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal("enclave key check".getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
