package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import javax.crypto.SecretKey;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.pseudonym.Pseudonymizer;
import org.apache.hadoop.fs.FileStatus;

/**
 * The project pseudonyms of every participant a project's statements must not see, as a session
 * needs them before each statement: everyone who opted out, and everyone who left the project
 * through a consent change since its extract was written ({@link ProjectConsent#leftSince}).
 * Re-read whenever the opt-out registry, the consent registry or the project's state on HDFS
 * changes, so a change reaches the members' derived tables from their next statement. An
 * unreadable registry fails the statement.
 */
public final class ProjectOptouts implements Supplier<Set<String>> {
    private final EnclaveStorage storage;
    private final Pseudonymizer rekey;
    private final String projectId;
    private long seenModification = Long.MIN_VALUE;
    private long seenLength = -1;
    private Set<String> current = Set.of();
    private String seenConsent = "";
    private Set<String> consentCurrent = Set.of();

    public ProjectOptouts(EnclaveStorage storage, SecretKey projectKey, String projectId) {
        this.storage = requireNonNull(storage, "storage is null");
        this.rekey = new Pseudonymizer(requireNonNull(projectKey, "projectKey is null"), "project");
        this.projectId = requireNonNull(projectId, "projectId is null");
    }

    @Override
    public synchronized Set<String> get() {
        Set<String> optouts = optouts();
        Set<String> consent = consentLeavers();
        if (consent.isEmpty()) {
            return optouts;
        }
        Set<String> all = new HashSet<>(optouts);
        all.addAll(consent);
        return Set.copyOf(all);
    }

    /** Project pseudonyms of who left through a consent change since the extract in force was written. */
    private Set<String> consentLeavers() {
        org.apache.hadoop.fs.Path registry = storage.layout().consentRegistry();
        org.apache.hadoop.fs.Path state = new org.apache.hadoop.fs.Path(storage.layout().project(projectId), "project.json");
        String seen;
        try {
            FileStatus r = storage.fs().getFileStatus(registry);
            FileStatus s = storage.fs().exists(state) ? storage.fs().getFileStatus(state) : null;
            seen = r.getModificationTime() + "/" + r.getLen() + "/" + (s == null ? "-" : s.getModificationTime() + "/" + s.getLen());
        } catch (FileNotFoundException e) {
            var project = new ProjectStore(storage).state(projectId);
            if ((!seenConsent.isEmpty() && !consentCurrent.isEmpty()) || new ProjectStore(storage).consentSeen(projectId) > 0
                    || project.map(ProjectState::extract).map(ProjectState.Extract::consentSequence).orElse(0) > 0) {
                throw new EnclaveStorageException("the consent registry " + registry + " has disappeared; every statement is refused"
                        + " until it is back");
            }
            return Set.of();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the consent registry: " + e.getMessage(), e);
        }
        if (!seen.equals(seenConsent)) {
            Set<String> out = new HashSet<>();
            var project = new ProjectStore(storage).state(projectId);
            if (project.isPresent() && project.get().extract() != null) {
                var consents = new jp.nmi.enclave.consent.ConsentStore(storage).read();
                ProjectConsent.checkIntact(consents, project.get().extract(), projectId);
                ProjectConsent.checkIntact(consents, new ProjectStore(storage).consentSeen(projectId), projectId);
                for (String provider : ProjectConsent.leftSince(project.get().spec(), consents,
                        ProjectConsent.sequenceOf(project.get().extract()), true)) {
                    out.add(rekey.pseudonym(provider));
                }
            }
            consentCurrent = Set.copyOf(out);
            seenConsent = seen;
        }
        return consentCurrent;
    }

    private Set<String> optouts() {
        FileStatus status;
        try {
            status = storage.fs().getFileStatus(storage.layout().optoutRegistry());
        } catch (FileNotFoundException e) {
            if (seenModification != Long.MIN_VALUE && !current.isEmpty()) {
                // it held opt-outs a moment ago: gone now is a fault, never "nobody opted out"
                throw new EnclaveStorageException("the opt-out registry " + storage.layout().optoutRegistry()
                        + " has disappeared; every statement is refused until it is back");
            }
            return Set.of();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the opt-out registry: " + e.getMessage(), e);
        }
        if (status.getModificationTime() != seenModification || status.getLen() != seenLength) {
            Set<String> out = new HashSet<>();
            for (String provider : new OptoutStore(storage).read().pseudonyms()) {
                out.add(rekey.pseudonym(provider));
            }
            current = Set.copyOf(out);
            seenModification = status.getModificationTime();
            seenLength = status.getLen();
        }
        return current;
    }
}
