package jp.nmi.enclave.directory;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.fs.permission.AclEntryScope;
import org.apache.hadoop.fs.permission.AclEntryType;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The enclave's directory of accounts, {@code <root>/directory/users.json} on HDFS: written by the
 * provider, readable by the egress service (which logs users in against it) and nobody else.
 * Production deployments can log in through OIDC or LDAP instead and keep only roles here.
 */
public final class DirectoryStore {
    /** The demo world's personas (ARCHITECTURE.md section 6), with their roles. */
    public static final Map<String, List<String>> DEMO_USERS;

    static {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("sato", List.of(DirectoryUser.STEWARD));
        m.put("suzuki", List.of(DirectoryUser.STEWARD));
        m.put("alice", List.of(DirectoryUser.ANALYST));
        m.put("kenji", List.of(DirectoryUser.ANALYST));
        m.put("bob", List.of(DirectoryUser.ANALYST));
        m.put("ops", List.of(DirectoryUser.OPERATOR));
        m.put("tanaka", List.of(DirectoryUser.APPROVER));
        // a registered researcher without a project: cohort discovery only
        m.put("mori", List.of(DirectoryUser.RESEARCHER));
        DEMO_USERS = java.util.Collections.unmodifiableMap(m);
    }

    static final String SERVICE_READER = "egress";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The file's content. */
    public record Users(int format, List<DirectoryUser> users) {
        public Users {
            users = List.copyOf(users);
        }
    }

    /** Read at every login, parsed again only when the file changed. */
    private static final jp.nmi.enclave.hdfs.FreshFiles<Users> FRESH = new jp.nmi.enclave.hdfs.FreshFiles<>(
            in -> JSON.readValue(in, Users.class), 16);

    private final EnclaveStorage storage;

    public DirectoryStore(EnclaveStorage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    public Path file() {
        return new Path(new Path(storage.layout().root(), "directory"), "users.json");
    }

    public List<DirectoryUser> users() {
        try {
            return FRESH.read(storage.fs(), file()).map(Users::users).orElse(List.of());
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the directory " + file() + ": " + e.getMessage(), e);
        }
    }

    public Optional<DirectoryUser> user(String name) {
        return users().stream().filter(u -> u.user().equals(name)).findFirst();
    }

    /** Replaces the directory (atomically), owner-only plus read for the egress service. */
    public void write(List<DirectoryUser> users) {
        Path file = file();
        try {
            if (!storage.fs().exists(storage.layout().root())) {
                // a fresh enclave: its root as ingest makes it, so that the services can reach their files
                HdfsFiles.mkdirs(storage, storage.layout().root(), jp.nmi.enclave.api.EnclaveLayout.ROOT_MODE);
            }
            // the names of HDFS's accounts are nobody's login; one already in the directory stays (it can be removed)
            java.util.Set<String> before = storage.fs().exists(file)
                    ? users().stream().map(DirectoryUser::user).collect(java.util.stream.Collectors.toSet()) : java.util.Set.of();
            for (DirectoryUser u : users) {
                if (!before.contains(u.user())) {
                    DirectoryUser.checkNotReserved(u.user());
                }
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot create " + storage.layout().root() + ": " + e.getMessage(), e);
        }
        HdfsFiles.writeAtomically(storage, file, out -> out.write(JSON.writeValueAsString(new Users(1, users))
                .getBytes(StandardCharsets.UTF_8)));
        try {
            storage.fs().setPermission(file.getParent(), new FsPermission((short) 0711));
            storage.fs().setPermission(file, new FsPermission((short) 0640));
            storage.fs().modifyAclEntries(file, List.of(new AclEntry.Builder().setScope(AclEntryScope.ACCESS)
                    .setType(AclEntryType.USER).setName(SERVICE_READER).setPermission(FsAction.READ).build()));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot protect the directory " + file + ": " + e.getMessage(), e);
        }
    }

    /** Where the demo users' passwords of the embedded enclave in {@code dir} are kept: {@code user password} per line, owner-only. */
    public static java.nio.file.Path demoUsersFile(java.nio.file.Path dir) {
        return dir.toAbsolutePath().resolve("demo-users.txt");
    }

    /**
     * Makes sure the demo personas have accounts (embedded demo only). New accounts get random
     * passwords, which are kept in plain text in {@code passwordFile} (owner-only, on the local disk
     * of the machine that runs the demo) so that they can be shown again; existing accounts keep
     * theirs.
     *
     * @return every demo user with the password from {@code passwordFile}
     */
    public Map<String, String> ensureDemoUsers(java.nio.file.Path passwordFile) {
        Map<String, String> passwords = readPasswords(passwordFile);
        List<DirectoryUser> users = new ArrayList<>(users());
        boolean changed = false;
        for (Map.Entry<String, List<String>> demo : DEMO_USERS.entrySet()) {
            boolean present = users.stream().anyMatch(u -> u.user().equals(demo.getKey()));
            if (present && passwords.containsKey(demo.getKey())) {
                continue;
            }
            String password = PasswordHash.randomPassword();
            passwords.put(demo.getKey(), password);
            users.removeIf(u -> u.user().equals(demo.getKey()));
            users.add(new DirectoryUser(demo.getKey(), demo.getValue(), PasswordHash.hash(password.toCharArray())));
            changed = true;
        }
        if (changed) {
            writePasswords(passwordFile, passwords);
            write(users);
        }
        Map<String, String> out = new LinkedHashMap<>();
        DEMO_USERS.keySet().forEach(u -> out.put(u, passwords.get(u)));
        return out;
    }

    private static Map<String, String> readPasswords(java.nio.file.Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] kv = l.split("\\s+", 2);
                if (kv.length == 2) {
                    out.put(kv[0], kv[1]);
                }
            }
            return out;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writePasswords(java.nio.file.Path file, Map<String, String> passwords) {
        StringBuilder sb = new StringBuilder("# Demo accounts of this embedded enclave (user password). Demo only: delete this file\n"
                + "# and the accounts are given new passwords at the next start.\n");
        passwords.forEach((u, p) -> sb.append(u).append(' ').append(p).append('\n'));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
