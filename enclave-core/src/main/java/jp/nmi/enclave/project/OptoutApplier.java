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
    public record Report(int requests, int newOptouts, List<ProjectImpact> projects) {}

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

    /** @throws ValidationException if the file is not a valid opt-out list (then nothing is recorded) */
    public Report apply(java.nio.file.Path file) {
        List<OptoutRequests.Request> requests = OptoutRequests.read(file);
        Pseudonymizer provider = new Pseudonymizer(keys.providerKey(), Pseudonymizer.PARTICIPANT);
        OptoutStore optouts = new OptoutStore(storage);
        OptoutRegistry before = optouts.read();
        String now = clock.instant().toString();
        List<OptoutRegistry.Entry> added = new ArrayList<>();
        for (OptoutRequests.Request r : requests) {
            added.add(new OptoutRegistry.Entry(provider.pseudonym(r.patientId()), r.receivedOn().toString(), now));
        }
        OptoutRegistry after = before.with(added);
        optouts.publish(after);

        ProjectStore store = new ProjectStore(storage);
        List<ProjectImpact> impacts = new ArrayList<>();
        for (String id : store.ids()) {
            ProjectState state = store.state(id).orElseThrow();
            if (!state.isActive() || state.extract() == null) {
                continue;
            }
            SecretKey key = keys.key(state.spec().keyAlias()).orElseThrow(() -> new EnclaveStorageException(
                    "project " + id + " is active but its key " + state.spec().keyAlias() + " is missing"));
            Set<String> pending = ProjectReconciler.pendingOptouts(state.spec(), state.extract(), key, after.pseudonyms());
            store.writePolicies(id, ProjectPolicies.generate(state.spec(), pending));
            impacts.add(impact(state, pending));
        }
        // in force from the next statement of every session
        publisher.publish(store.activePolicies());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("requests", requests.size());
        details.put("newOptouts", after.entries().size() - before.entries().size());
        Map<String, Object> perProject = new LinkedHashMap<>();
        impacts.forEach(i -> perProject.put(i.project(), Map.of("participants", i.participants(), "rows", i.rows())));
        details.put("projects", perProject);
        audit.append(new AuditRecord(operator, null, "optout.apply", "ok", details));
        return new Report(requests.size(), after.entries().size() - before.entries().size(), impacts);
    }

    private ProjectImpact impact(ProjectState state, Set<String> pending) {
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
