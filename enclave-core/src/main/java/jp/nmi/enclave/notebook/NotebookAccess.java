package jp.nmi.enclave.notebook;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.project.ProjectSpec;
import jp.nmi.enclave.project.ProjectStatus;
import jp.nmi.enclave.project.ProjectStore;

/**
 * What the notebook server (Zeppelin with the enclave's guard) knows of the enclave, generated from
 * the project specs as applied and the enclave's directory: the accounts (password hashes, roles;
 * operators are Zeppelin's {@code admin}) and every project's status and members. Written by
 * {@code project apply} and {@code project close} and at {@code ./enclave up}; the guard re-reads
 * it when it changes, creating, narrowing and revoking the projects' interpreters and notes.
 *
 * <pre>
 * {"format": 1,
 *  "users":    {"alice": {"password": "pbkdf2-sha256$...", "roles": ["analyst"]}, ...},
 *  "projects": {"DEMO-1": {"status": "active", "members": ["alice", "kenji"]}, ...}}
 * </pre>
 */
public final class NotebookAccess {
    /** The file's name in the notebook server's configuration directory. */
    public static final String FILE = "enclave-access.json";
    /** Zeppelin's administrator role, held by the enclave's operators. */
    public static final String ADMIN = "admin";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private NotebookAccess() {}

    /** The notebook server's configuration directory of the embedded enclave in {@code dir}. */
    public static Path embeddedConfigDirectory(Path dir) {
        return dir.toAbsolutePath().resolve("zeppelin").resolve("conf");
    }

    /** The access file as the enclave's directory and project store are now. */
    public static Map<String, Object> content(EnclaveStorage storage) {
        requireNonNull(storage, "storage is null");
        Map<String, Object> users = new LinkedHashMap<>();
        for (DirectoryUser u : new DirectoryStore(storage).users()) {
            List<String> roles = new ArrayList<>(u.roles());
            if (u.isOperator()) {
                roles.add(ADMIN);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("password", u.passwordHash());
            entry.put("roles", roles);
            users.put(u.user(), entry);
        }
        ProjectStore store = new ProjectStore(storage);
        Map<String, Object> projects = new LinkedHashMap<>();
        for (String id : store.ids()) {
            // the project's own state decides: only a project whose state says closed is closed (its notes are deleted)
            Optional<jp.nmi.enclave.project.ProjectState> state = store.state(id);
            if (state.isEmpty()) {
                continue; // not readable now: left out, so nothing is created, revoked or deleted for it
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            boolean closed = state.get().status() == ProjectStatus.CLOSED;
            Optional<jp.nmi.enclave.project.MemberList> members = closed ? Optional.empty() : store.members(id);
            boolean active = members.isPresent() && members.get().status() == ProjectStatus.ACTIVE;
            entry.put("status", closed ? "closed" : active ? "active" : "inactive");
            entry.put("members", active ? members.get().members().stream().map(jp.nmi.enclave.project.ProjectMember::user).sorted().toList() : List.of());
            projects.put(id, entry);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("format", 1);
        out.put("users", users);
        out.put("projects", projects);
        return out;
    }

    /**
     * Writes the access file into {@code configDirectory} (atomically, owner-only: it holds password
     * hashes) unless it already says the same.
     *
     * @return whether the file changed
     */
    public static boolean write(EnclaveStorage storage, Path configDirectory) {
        Path file = configDirectory.resolve(FILE);
        try {
            String json = JSON.writeValueAsString(content(storage));
            if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(json)) {
                return false;
            }
            Files.createDirectories(configDirectory);
            Path tmp = configDirectory.resolve(FILE + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot write the notebooks' access file " + file + ": " + e.getMessage(), e);
        }
    }
}
