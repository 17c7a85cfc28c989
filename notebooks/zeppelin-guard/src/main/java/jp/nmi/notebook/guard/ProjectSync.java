package jp.nmi.notebook.guard;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.zeppelin.interpreter.InterpreterOption;
import org.apache.zeppelin.interpreter.InterpreterSetting;
import org.apache.zeppelin.interpreter.InterpreterSettingManager;
import org.apache.zeppelin.notebook.AuthorizationService;
import org.apache.zeppelin.notebook.NoteInfo;
import org.apache.zeppelin.notebook.Notebook;
import org.apache.zeppelin.server.ZeppelinServer;
import org.apache.zeppelin.user.AuthenticationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Zeppelin in line with the projects as {@code enclave-access.json} says they are: one
 * {@code %enclave} interpreter setting per active project, named by the project, usable by its
 * members only; a member who left loses every note permission in the project's folder; a closed
 * project's setting is removed (its interpreter process stops) and its notes, which hold its
 * results, are deleted: only for a project the file names as closed, and never from a file that
 * could not be read. Runs when the file changes and every few seconds.
 */
final class ProjectSync {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectSync.class);
    /** The interpreter group of the projects' settings. */
    static final String GROUP = "enclave";
    /** Who holds a note permission when nobody may (an empty list would mean everyone in Zeppelin). */
    static final String NOBODY = "enclave-revoked";
    private static final AuthenticationInfo SYNC = new AuthenticationInfo("enclave-sync");

    private final AccessFile access;
    private final ScheduledExecutorService executor;
    private volatile String synced = "";

    private ProjectSync(AccessFile access) {
        this.access = access;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "enclave-project-sync");
            t.setDaemon(true);
            return t;
        });
    }

    static ProjectSync start(AccessFile access) {
        ProjectSync s = new ProjectSync(access);
        s.executor.scheduleWithFixedDelay(s::syncQuietly, 2, 5, TimeUnit.SECONDS);
        return s;
    }

    /** Syncs soon if the file changed (a request just read it). */
    void nudge() {
        if (!access.now().version().equals(synced)) {
            executor.execute(this::syncQuietly);
        }
    }

    void stop() {
        executor.shutdownNow();
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (RuntimeException | java.io.IOException | org.apache.zeppelin.interpreter.InterpreterException e) {
            LOG.warn("cannot bring Zeppelin in line with {}: {}", access.file(), e.toString());
        }
    }

    private synchronized void sync() throws java.io.IOException, org.apache.zeppelin.interpreter.InterpreterException {
        if (ZeppelinServer.sharedServiceLocator == null) {
            return;
        }
        AccessFile.Snapshot now = access.now();
        if (!now.current() || now.version().equals(synced)) {
            return; // nothing is created, revoked or deleted on a file that could not be read
        }
        InterpreterSettingManager settings = ZeppelinServer.sharedServiceLocator.getService(InterpreterSettingManager.class);
        Notebook notebook = ZeppelinServer.sharedServiceLocator.getService(Notebook.class);
        AuthorizationService auth = ZeppelinServer.sharedServiceLocator.getService(AuthorizationService.class);
        if (settings == null || notebook == null || auth == null) {
            return;
        }
        boolean changed = false;
        for (AccessFile.Project p : now.projects().values()) {
            if (!p.active()) {
                continue;
            }
            List<String> owners = AccessFile.sorted(p.members());
            InterpreterSetting s = settings.getByName(p.id());
            if (s == null) {
                settings.createNewSetting(p.id(), GROUP, new ArrayList<>(), option(owners), new HashMap<>());
                LOG.info("interpreter setting {} created for its {} member(s)", p.id(), owners.size());
            } else if (s.getOption().getOwners() == null || !new HashSet<>(s.getOption().getOwners()).equals(new HashSet<>(owners))
                    || !s.getOption().permissionIsSet()) {
                List<String> current = s.getOption().getOwners();
                if (current != null) {
                    // in place: the running process keeps serving the remaining members
                    current.clear();
                    current.addAll(owners.isEmpty() ? List.of(NOBODY) : owners);
                    s.getOption().setUserPermission(true);
                    changed = true;
                } else {
                    settings.setPropertyAndRestart(s.getId(), option(owners), new HashMap<>(), new ArrayList<>());
                }
                LOG.info("interpreter setting {} now for {} member(s)", p.id(), owners.size());
            }
        }
        for (InterpreterSetting s : new ArrayList<>(settings.get())) {
            // only a project the file says is closed loses its setting; one the file does not name is left alone
            if (GROUP.equals(s.getGroup()) && !GROUP.equals(s.getName()) && now.project(s.getName()).map(AccessFile.Project::closed)
                    .orElse(false)) {
                settings.remove(s.getId());
                LOG.info("interpreter setting {} removed: the project is closed or gone", s.getName());
            }
        }
        if (changed) {
            settings.saveToFile();
        }
        Set<String> admins = new HashSet<>();
        now.users().values().stream().filter(u -> u.roles().contains(AccessFile.ADMIN)).forEach(u -> admins.add(u.name()));
        for (NoteInfo n : notebook.getNotesInfo()) {
            String project = AccessFile.projectOf(n.getPath()).orElse(null);
            if (project == null) {
                continue;
            }
            AccessFile.Project p = now.projects().get(project);
            if (p == null || !p.active() && !p.closed()) {
                continue; // not in the file, or inactive now: nobody reaches it (the guard), nothing is deleted
            }
            if (p.closed()) {
                notebook.removeNote(n.getId(), SYNC);
                LOG.info("note {} ({}) deleted: project {} is closed", n.getId(), n.getPath(), project);
                continue;
            }
            Set<String> allowed = new HashSet<>(p.members());
            allowed.addAll(admins);
            allowed.add(NOBODY);
            boolean revoked = false;
            revoked |= retain(auth.getOwners(n.getId()), allowed, s -> auth.setOwners(n.getId(), s));
            revoked |= retain(auth.getReaders(n.getId()), allowed, s -> auth.setReaders(n.getId(), s));
            revoked |= retain(auth.getRunners(n.getId()), allowed, s -> auth.setRunners(n.getId(), s));
            revoked |= retain(auth.getWriters(n.getId()), allowed, s -> auth.setWriters(n.getId(), s));
            if (revoked) {
                auth.saveNoteAuth(n.getId(), SYNC);
                LOG.info("note {} ({}): permissions of non-members revoked", n.getId(), n.getPath());
            }
        }
        synced = now.version();
    }

    private interface Setter {
        void set(Set<String> entities) throws java.io.IOException;
    }

    /** Keeps only {@code allowed} entities; a list left empty (everyone, in Zeppelin) holds {@link #NOBODY}. */
    private static boolean retain(Set<String> current, Set<String> allowed, Setter setter) throws java.io.IOException {
        Set<String> kept = new HashSet<>(current);
        kept.retainAll(allowed);
        if (kept.isEmpty()) {
            kept.add(NOBODY);
        }
        if (kept.equals(current)) {
            return false;
        }
        setter.set(kept);
        return true;
    }

    /** One process per project, shared by its notes and members; only the members may run it. */
    static InterpreterOption option(List<String> owners) {
        JsonObject o = new JsonObject();
        o.addProperty("remote", true);
        o.addProperty("port", -1);
        o.addProperty("perNote", "shared");
        o.addProperty("perUser", "shared");
        o.addProperty("isExistingProcess", false);
        o.addProperty("setPermission", true);
        JsonArray a = new JsonArray();
        owners.forEach(a::add);
        if (owners.isEmpty()) {
            a.add(NOBODY);
        }
        o.add("owners", a);
        o.addProperty("isUserImpersonate", false);
        return new Gson().fromJson(o, InterpreterOption.class);
    }
}
