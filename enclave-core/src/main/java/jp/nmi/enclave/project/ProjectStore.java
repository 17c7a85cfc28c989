package jp.nmi.enclave.project;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * Projects on HDFS: each project's state, its member list (read by the notebook and egress
 * services) and its generated Ranger policies, under {@code <root>/projects/<id>/}.
 */
public final class ProjectStore {
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final org.apache.hadoop.fs.permission.AclEntry SERVICE_READ = new org.apache.hadoop.fs.permission.AclEntry.Builder()
            .setScope(org.apache.hadoop.fs.permission.AclEntryScope.ACCESS).setType(org.apache.hadoop.fs.permission.AclEntryType.USER)
            .setName(ProjectDirectories.EGRESS_USER).setPermission(org.apache.hadoop.fs.permission.FsAction.READ).build();

    private final EnclaveStorage storage;

    public ProjectStore(EnclaveStorage storage) {
        this.storage = storage;
    }

    public Path projectDir(String id) {
        return storage.layout().project(id);
    }

    public Optional<ProjectState> state(String id) {
        return read(new Path(projectDir(id), "project.json"), ProjectState.class);
    }

    public ProjectState require(String id) {
        return state(id).orElseThrow(() -> new NotFoundException("no project " + id + " has been applied (projects: "
                + String.join(", ", ids()) + ")"));
    }

    public void writeState(ProjectState state) {
        write(new Path(projectDir(state.id()), "project.json"), state);
    }

    /** How many consent changes were in force for the project when its policies were last written (0: none recorded). */
    public record ConsentSeen(int sequence) {}

    /** The number of consent changes the project has seen: the consent registry may never hold fewer. */
    public int consentSeen(String id) {
        return read(new Path(projectDir(id), "consent-seen.json"), ConsentSeen.class).map(ConsentSeen::sequence).orElse(0);
    }

    /** With the project's policies at closure: a closed project hides nobody, having no one. */
    public void deleteConsentSeen(String id) {
        try {
            storage.fs().delete(new Path(projectDir(id), "consent-seen.json"), false);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot remove the consent mark of " + id + ": " + e.getMessage(), e);
        }
    }

    public void writeConsentSeen(String id, int sequence) {
        if (sequence > consentSeen(id)) {
            write(new Path(projectDir(id), "consent-seen.json"), new ConsentSeen(sequence));
        }
    }

    /** Changes whenever the member list is rewritten; "missing" or "unreadable:..." otherwise. */
    public String membersVersion(String id) {
        try {
            org.apache.hadoop.fs.FileStatus f = storage.fs().getFileStatus(new Path(projectDir(id), "members.json"));
            return f.getModificationTime() + ":" + f.getLen();
        } catch (java.io.FileNotFoundException e) {
            return "missing";
        } catch (java.io.IOException e) {
            return "unreadable:" + e.getMessage();
        }
    }

    public Optional<MemberList> members(String id) {
        return read(new Path(projectDir(id), "members.json"), MemberList.class);
    }

    /** Writes the member list, readable by the egress service (which decides who may export and review by it). */
    public void writeMembers(MemberList members) {
        Path file = new Path(projectDir(members.project()), "members.json");
        write(file, members);
        try {
            storage.fs().modifyAclEntries(file, List.of(SERVICE_READ));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot let the egress service read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the egress service can read the member list (false also when there is none). */
    public boolean isMembersReadableByServices(String id) {
        Path file = new Path(projectDir(id), "members.json");
        try {
            return storage.fs().getAclStatus(file).getEntries().contains(SERVICE_READ);
        } catch (FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the ACL of " + file + ": " + e.getMessage(), e);
        }
    }

    /** The project's generated policies as stored, or empty if none. */
    public List<RangerPolicy> policies(String id) {
        Path path = new Path(projectDir(id), "policies.json");
        try (InputStream in = storage.fs().open(path)) {
            return ProjectPolicies.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    public String policiesJson(String id) {
        Path path = new Path(projectDir(id), "policies.json");
        try (InputStream in = storage.fs().open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    public void writePolicies(String id, List<RangerPolicy> policies) {
        Path path = new Path(projectDir(id), "policies.json");
        HdfsFiles.writeAtomically(storage, path, out -> out.write(ProjectPolicies.toJson(policies).getBytes(StandardCharsets.UTF_8)));
    }

    public void deletePolicies(String id) {
        try {
            storage.fs().delete(new Path(projectDir(id), "policies.json"), false);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot delete the policies of " + id + ": " + e.getMessage(), e);
        }
    }

    /** Every project that was ever applied, by id. */
    public List<String> ids() {
        List<String> ids = new ArrayList<>();
        try {
            if (!storage.fs().exists(storage.layout().projects())) {
                return ids;
            }
            for (FileStatus s : storage.fs().listStatus(storage.layout().projects())) {
                if (s.isDirectory() && storage.fs().exists(new Path(s.getPath(), "project.json"))) {
                    ids.add(s.getPath().getName());
                }
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot list projects: " + e.getMessage(), e);
        }
        ids.sort(null);
        return ids;
    }

    /** Where the policies in force were last published ({@link PolicyPublisher#place()}), enclave-wide. */
    public record PolicyPlace(String place, String publishedAt) {}

    /** The file that records it, beside the projects' directories. */
    public Path policyPlaceFile() {
        return new Path(storage.layout().projects(), ".policies-in-force.json");
    }

    /** Where the policies in force were last published, if they ever were since this was recorded. */
    public Optional<String> policyPlace() {
        return read(policyPlaceFile(), PolicyPlace.class).map(PolicyPlace::place);
    }

    /**
     * Puts every active project's generated policies in force through {@code publisher}, then records
     * where: sessions serve only from that place (another may hold older policies). Recorded after
     * the publish, so that a publish that fails never names a place that lacks the policies.
     */
    public void publish(PolicyPublisher publisher) {
        publisher.publish(activePolicies());
        write(policyPlaceFile(), new PolicyPlace(publisher.place(), java.time.Instant.now().toString()));
    }

    /**
     * Refuses to serve a project from a place its policies were not last published to: another Ranger
     * service, or a policy file beside Ranger Admin, may hold older policies, which would be served as
     * if in force. No record (an enclave from before it was kept) is refused too, until a publish
     * ({@code project apply}, {@code optout apply}) records one. What differs goes to the log; the
     * exception's text is what an analyst may read.
     *
     * @throws AccessDeniedException if the places differ or none is recorded
     */
    public void checkServedFrom(String projectId, jp.nmi.enclave.policy.PolicySource policies) {
        Optional<String> recorded = policyPlace();
        if (recorded.equals(Optional.of(policies.place()))) {
            return;
        }
        org.slf4j.LoggerFactory.getLogger(ProjectStore.class).error("project {}: the policies in force were last published to {}, but this"
                + " server reads {} ({}): every statement is refused. Set enclave.ranger.service (notebooks) or --ranger-service (CLI)"
                + " to where they are, or publish them where this server reads (project apply)", projectId,
                recorded.map(ProjectStore::describePlace).orElse("no recorded place"), ProjectStore.describePlace(policies.place()),
                policies.describe());
        throw new jp.nmi.enclave.error.AccessDeniedException("project " + projectId + " cannot be served: its access policies are not"
                + " where this server reads them, so every statement is refused until the operators fix it (the service log has the"
                + " details)");
    }

    /** A place as operators read it. */
    public static String describePlace(String place) {
        if (place.startsWith("ranger:") && place.contains("#")) {
            return "Ranger service " + place.substring(place.lastIndexOf('#') + 1) + " of " + place.substring("ranger:".length(),
                    place.lastIndexOf('#'));
        }
        return place.startsWith("file:") ? "the policy file " + place.substring("file:".length()) : place;
    }

    /** The generated policies of every active project, by project id. */
    public Map<String, List<RangerPolicy>> activePolicies() {
        Map<String, List<RangerPolicy>> out = new LinkedHashMap<>();
        for (String id : ids()) {
            if (state(id).map(ProjectState::isActive).orElse(false)) {
                out.put(id, policies(id));
            }
        }
        return out;
    }

    private <T> Optional<T> read(Path path, Class<T> type) {
        try (InputStream in = storage.fs().open(path)) {
            return Optional.of(JSON.readValue(in, type));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private void write(Path path, Object value) {
        HdfsFiles.writeAtomically(storage, path, out -> JSON.writeValue(out, value));
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
