package jp.nmi.notebook.guard;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may use the notebooks, as the enclave's operators made it ({@code enclave-access.json},
 * written by {@code project apply}, {@code project close} and {@code ./enclave up} from the
 * project specs and the enclave's directory): accounts with their password hashes and roles, and
 * each project's status and members. Re-read when the file changes. A file that cannot be read or
 * parsed changes nothing: the last good content stays in force, marked not current, and nothing is
 * created, revoked or deleted from it; before any good content, nobody is anything.
 */
public final class AccessFile {
    /** The system property naming the file (set by the launcher of the Zeppelin server). */
    public static final String PROPERTY = "enclave.access.file";
    /** Zeppelin's administrators: the enclave's operators. */
    public static final String ADMIN = "admin";

    /** One account. */
    public record User(String name, String passwordHash, Set<String> roles) {}

    /**
     * One project as the notebooks serve it: active (its members work in it), closed (its notes go),
     * or neither (inactive now: nobody reaches it, nothing is deleted).
     */
    public record Project(String id, boolean active, boolean closed, Set<String> members) {}

    /** The file's content at one moment. */
    public record Snapshot(Map<String, User> users, Map<String, Project> projects, String version, boolean current) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), "none", false);

        /** The same content, marked as not what the file says now (it could not be read). */
        Snapshot stale(String why) {
            return new Snapshot(users, projects, version + " (stale: " + why + ")", false);
        }

        public Optional<Project> project(String id) {
            return Optional.ofNullable(projects.get(id));
        }

        public boolean isAdmin(String user) {
            User u = users.get(user);
            return u != null && u.roles().contains(ADMIN);
        }

        /** Whether {@code user} is a member of an active project {@code id}. */
        public boolean isMember(String user, String id) {
            Project p = projects.get(id);
            return p != null && p.active() && p.members().contains(user);
        }
    }

    private final Path file;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile String loaded = "";

    public AccessFile(Path file) {
        this.file = file;
    }

    /** The file the launcher named, or {@code $ZEPPELIN_CONF_DIR/enclave-access.json}. */
    public static Path defaultPath() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String conf = System.getenv("ZEPPELIN_CONF_DIR");
        return Path.of(conf == null ? "conf" : conf, "enclave-access.json");
    }

    private static final Map<Path, AccessFile> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

    /** One reader per file in the server (the realm and the filter share it). */
    public static AccessFile shared(Path file) {
        return SHARED.computeIfAbsent(file.toAbsolutePath(), AccessFile::new);
    }

    public Path file() {
        return file;
    }

    /** The content now: re-read if the file changed since; if it cannot be read, the last good content, not current. */
    public Snapshot now() {
        String version;
        try {
            version = Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
        } catch (IOException e) {
            Snapshot last = snapshot;
            return last.current() ? last.stale("unreadable") : last;
        }
        if (!version.equals(loaded)) {
            synchronized (this) {
                if (!version.equals(loaded)) {
                    try {
                        snapshot = parse(Files.readString(file, StandardCharsets.UTF_8), version);
                        loaded = version;
                    } catch (IOException | RuntimeException e) {
                        // read again next time; meanwhile the last good content, marked stale
                        return snapshot.current() ? snapshot.stale("unparsable") : snapshot;
                    }
                }
            }
        }
        return snapshot;
    }

    static Snapshot parse(String json, String version) {
        JsonObject root = new Gson().fromJson(json, JsonObject.class);
        if (root == null || !root.has("format") || root.get("format").getAsInt() != 1) {
            throw new IllegalArgumentException("not an enclave access file of format 1");
        }
        Map<String, User> users = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("users").entrySet()) {
            JsonObject u = e.getValue().getAsJsonObject();
            // accounts that log in through LDAP or OIDC have no password here (null): they are known, never let in by one
            JsonElement password = u.get("password");
            users.put(e.getKey(), new User(e.getKey(), password == null || password.isJsonNull() ? null : password.getAsString(),
                    strings(u.getAsJsonArray("roles"))));
        }
        Map<String, Project> projects = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("projects").entrySet()) {
            JsonObject p = e.getValue().getAsJsonObject();
            String status = p.get("status").getAsString();
            projects.put(e.getKey(), new Project(e.getKey(), "active".equals(status), "closed".equals(status),
                    strings(p.getAsJsonArray("members"))));
        }
        return new Snapshot(Map.copyOf(users), Map.copyOf(projects), version, true);
    }

    private static Set<String> strings(com.google.gson.JsonArray a) {
        Set<String> out = new LinkedHashSet<>();
        if (a != null) {
            a.forEach(x -> out.add(x.getAsString()));
        }
        return Set.copyOf(out);
    }

    /** The project a note belongs to: the first folder of its path ({@code /DEMO-1/...}), if it names one. */
    public static Optional<String> projectOf(String notePath) {
        if (notePath == null) {
            return Optional.empty();
        }
        String p = notePath.startsWith("/") ? notePath.substring(1) : notePath;
        int slash = p.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String id = p.substring(0, slash);
        return id.matches("[A-Z][A-Z0-9-]{1,31}") ? Optional.of(id) : Optional.empty();
    }

    static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }
}
