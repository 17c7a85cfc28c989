package jp.nmi.enclave.embedded;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.authz.ProjectScope;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectDirectory;
import jp.nmi.enclave.project.ProjectOptouts;
import jp.nmi.enclave.project.ProjectPolicies;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;

/**
 * The embedded enclave with the demo world: HDFS in a local directory, the demo source files
 * ingested, and the demo projects DEMO-1 and DEMO-2 applied from their spec files (extracts,
 * Ranger policies in the policy file, member lists). Reuses whatever the directory already holds,
 * so a second start is quick.
 */
public final class DemoEnclave implements AutoCloseable {
    /**
     * Who the audit log names for the demo world's own set-up: not a person. Demo set-up is
     * recorded as what it is, never under a named operator's account.
     */
    public static final String SETUP_ACTOR = "demo-setup";

    private final Path dir;
    private final EnclaveStorage storage;
    private final jp.nmi.enclave.db.EnclaveDatabase database;
    private final FileAuditLog audit;

    private DemoEnclave(Path dir, EnclaveStorage storage, jp.nmi.enclave.db.EnclaveDatabase database, FileAuditLog audit) {
        this.dir = dir;
        this.storage = storage;
        this.database = database;
        this.audit = audit;
    }

    /**
     * The enclave's audit log in {@code dir}, every event anchored in the embedded PostgreSQL as
     * the audit writer's role, which may add anchors but never change or remove them.
     */
    public static FileAuditLog anchoredLog(Path dir, jp.nmi.enclave.db.EnclaveDatabase database) {
        return new FileAuditLog(dir.toAbsolutePath().resolve("audit").resolve("enclave-audit.jsonl"), Clock.systemUTC(),
                new jp.nmi.enclave.audit.JdbcAuditAnchor(database.auditAnchorDataSource(), "the enclave's PostgreSQL (audit_anchor.anchor)"));
    }

    public static DemoEnclave start(Path dir, DemoWorld.Parameters world, Progress progress) {
        return start(dir, world, progress, Ports.ANY);
    }

    /**
     * Where the embedded servers listen on 127.0.0.1 when this process starts them (0: any free
     * port); ignored for a server another process already runs for the directory.
     */
    public record Ports(int hdfs, int postgres) {
        public static final Ports ANY = new Ports(0, 0);
    }

    /** The demo enclave in {@code dir}, its HDFS and PostgreSQL started here on {@code ports} unless another process runs them. */
    public static DemoEnclave start(Path dir, DemoWorld.Parameters world, Progress progress, Ports ports) {
        requireNonNull(dir, "dir is null");
        EnclaveStorage storage = jp.nmi.enclave.hdfs.EmbeddedStorage.open(dir, ports.hdfs());
        jp.nmi.enclave.db.EnclaveDatabase database = null;
        FileAuditLog audit;
        try {
            database = jp.nmi.enclave.db.EnclaveDatabase.embedded(dir, ports.postgres());
            audit = anchoredLog(dir, database);
        } catch (RuntimeException e) {
            if (database != null) {
                database.close();
            }
            storage.close();
            throw e;
        }
        return startOn(dir, storage, database, audit, world, progress);
    }

    /**
     * The demo world on an HDFS that runs elsewhere (a cluster's), with the provider's files (keys,
     * policies) in {@code dir} and {@code audit} as the enclave's audit log. Closing the enclave
     * closes the storage and the database, if any.
     */
    public static DemoEnclave startOn(Path dir, EnclaveStorage storage, jp.nmi.enclave.db.EnclaveDatabase database, FileAuditLog audit,
            DemoWorld.Parameters world, Progress progress) {
        requireNonNull(dir, "dir is null");
        requireNonNull(audit, "audit is null");
        try {
            DemoEnclave enclave = new DemoEnclave(dir, storage, database, audit);
            Path source = dir.resolve("demo-source");
            if (!Files.exists(source.resolve(DemoWorld.MANIFEST))) {
                DemoWorld.write(world, source, progress);
            }
            if (new DatasetRegistryStore(storage).read().isEmpty()) {
                Ingest.Report r = Ingest.run(storage, new Ingest.Request(source, keyStore(dir), source.resolve(DemoWorld.OPTOUT_CSV)),
                        progress);
                audit.append(new jp.nmi.enclave.audit.AuditRecord(SETUP_ACTOR, null, "ingest.publish", "ok", Map.of(
                        "publication", r.publication(), "source", "the synthetic demo world", "participants", world.participants())));
            }
            // Only the demo projects that do not exist yet: a project that exists is the operators' to
            // change, and is never re-applied behind their back by a command that merely uses it.
            ProjectReconciler reconciler = new ProjectReconciler(storage, KeyStoreFile.openOrCreate(keyStore(dir)),
                    PolicyPublisher.file(enclave.policyFile()), audit, SETUP_ACTOR, Clock.systemUTC(), progress);
            if (new ProjectStore(storage).policyPlace().isEmpty() && !new ProjectStore(storage).ids().isEmpty()) {
                // an enclave from before the place was recorded: the embedded one keeps its policies in its file
                new ProjectStore(storage).publish(PolicyPublisher.file(enclave.policyFile()));
            }
            for (String id : DemoSpecs.IDS) {
                if (new ProjectStore(storage).state(id).isEmpty()) {
                    reconciler.apply(DemoSpecs.spec(id));
                }
            }
            // an enclave made before the register had one: generated once from what is applied (it is derived, never edited)
            if (!storage.fs().exists(new org.apache.hadoop.fs.Path(jp.nmi.enclave.transparency.DataUseRegister.directory(storage),
                    "projects.json"))) {
                new jp.nmi.enclave.transparency.DataUseRegister(storage, Clock.systemUTC())
                        .publishProjects(jp.nmi.enclave.project.RegisterEntries.all(storage));
            }
            return enclave;
        } catch (IOException | RuntimeException e) {
            if (database != null) {
                database.close();
            }
            storage.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new EnclaveStorageException("cannot start the demo enclave in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens a project's governed SQL session (one per JVM at a time), with the project's members. */
    public EnclaveSession openProject(String projectId, EnclaveSession.Settings settings) {
        return openProject(projectId, settings, Clock.systemUTC());
    }

    public EnclaveSession openProject(String projectId, EnclaveSession.Settings settings, Clock clock) {
        ProjectStore store = new ProjectStore(storage);
        return openProject(projectId, settings, clock, new ProjectDirectory(store.members(projectId)
                .orElseThrow(() -> new ValidationException("project " + projectId + " has no member list"))));
    }

    public EnclaveSession openProject(String projectId, EnclaveSession.Settings settings, Clock clock, UserDirectory directory) {
        return open(storage, projectId, policyFile(), audit, keyStore(dir), settings, clock, directory);
    }

    /** Opens a project's session on any enclave: the tables of its extract, the policies in force, its key. */
    public static EnclaveSession open(EnclaveStorage storage, String projectId, Path policyFile, jp.nmi.enclave.audit.AuditLog auditLog,
            Path keyStore, EnclaveSession.Settings settings, Clock clock, UserDirectory directory) {
        return open(storage, projectId, new FilePolicySource(policyFile), auditLog, keyStore, settings, clock, directory);
    }

    /** Opens a project's session with the policies from {@code policies} (a file, or Ranger Admin in production). */
    public static EnclaveSession open(EnclaveStorage storage, String projectId, jp.nmi.enclave.policy.PolicySource policies,
            jp.nmi.enclave.audit.AuditLog auditLog, Path keyStore, EnclaveSession.Settings settings, Clock clock, UserDirectory directory) {
        // the version first: whatever changes while the session is built (a publish elsewhere, an apply) is followed
        EnclaveSession.ProjectSource source = projectSource(storage, projectId, policies);
        String version = source.version();
        ProjectState state = new ProjectStore(storage).require(projectId);
        EnclaveSession.Project project = project(storage, state);
        new ProjectStore(storage).checkServedFrom(projectId, policies);
        RangerAuthorizer authorizer = new RangerAuthorizer(policies, policies.serviceName(), clock);
        javax.crypto.SecretKey key = KeyStoreFile.openOrCreate(keyStore).key(state.spec().keyAlias())
                .orElseThrow(() -> new ValidationException("the key of project " + projectId + " is missing"));
        return EnclaveSession.open(storage.fileSystemUri(), project, authorizer, directory, auditLog, key, settings)
                .withOptouts(new ProjectOptouts(storage, key, projectId))
                .withProjectSource(source, version);
    }

    /** The project's state as stored on HDFS, which open sessions follow, its policies read from {@code policies}. */
    public static EnclaveSession.ProjectSource projectSource(EnclaveStorage storage, String projectId,
            jp.nmi.enclave.policy.PolicySource policies) {
        return new StoredProject(storage, projectId, policies);
    }

    /** What a session serves of a project as it is stored: its extract's tables and audiences. */
    static EnclaveSession.Project project(EnclaveStorage storage, ProjectState state) {
        String projectId = state.id();
        if (!state.isActive() || state.extract() == null) {
            throw new jp.nmi.enclave.error.AccessDeniedException("project " + projectId + " is " + state.status()
                    + "; it serves no statements");
        }
        Map<String, String> tables = new LinkedHashMap<>();
        state.extract().tables().forEach((name, table) -> tables.put(name, table.location()));
        List<EnclaveSession.Audience> audiences = new ArrayList<>();
        state.extract().audiences().forEach((name, audience) -> {
            Map<String, String> own = new LinkedHashMap<>();
            audience.tables().forEach((t, table) -> own.put(t, table.location()));
            audiences.add(new EnclaveSession.Audience(name, Set.copyOf(audience.groups()), own));
        });
        String projectPath = org.apache.hadoop.fs.Path.getPathWithoutSchemeAndAuthority(storage.layout().project(projectId)).toString();
        ProjectScope scope = new ProjectScope(projectId, state.spec().database(), projectPath + "/workspace", projectPath + "/outbox");
        return new EnclaveSession.Project(scope, tables, audiences);
    }

    /** The project's state file on HDFS, followed by open sessions. */
    private record StoredProject(EnclaveStorage storage, String projectId, jp.nmi.enclave.policy.PolicySource policies)
            implements EnclaveSession.ProjectSource {
        @Override
        public String version() {
            try {
                ProjectStore store = new ProjectStore(storage);
                org.apache.hadoop.fs.FileStatus f = storage.fs().getFileStatus(new org.apache.hadoop.fs.Path(store.projectDir(projectId),
                        "project.json"));
                // and where the policies were last published: a publish elsewhere is followed (and refused) at once
                org.apache.hadoop.fs.FileStatus place = storage.fs().getFileStatus(store.policyPlaceFile());
                return f.getModificationTime() + ":" + f.getLen() + ":" + place.getModificationTime() + ":" + place.getLen();
            } catch (IOException e) {
                // unreadable: the next statement is refused rather than served from an old state
                return "unreadable:" + e.getMessage();
            }
        }

        @Override
        public EnclaveSession.Project current() {
            ProjectState state = new ProjectStore(storage).require(projectId);
            new ProjectStore(storage).checkServedFrom(projectId, policies);
            return project(storage, state);
        }
    }

    /** The data directory of {@code ./enclave up} (and of every command's demo) unless another is named. */
    public static final Path DEFAULT_DIR = Path.of("enclave-data");

    /** Whether {@code dir} holds an enclave (its HDFS has been formatted there). */
    public static boolean exists(Path dir) {
        return Files.isDirectory(dir.toAbsolutePath().resolve("hdfs").resolve("name").resolve("current"));
    }

    /**
     * The directory a {@code --demo} command works in: the one named, or the one {@code ./enclave up}
     * uses by default, which must hold an enclave (no second demo world is made behind the user's back).
     */
    public static Path demoDirectory(Path named) {
        if (named != null) {
            return named;
        }
        if (!exists(DEFAULT_DIR)) {
            throw new ValidationException("no enclave in " + DEFAULT_DIR.toAbsolutePath() + ": start it with ./enclave up, or name"
                    + " another data directory with --demo-dir DIR (a demo world is made there if it holds none)");
        }
        return DEFAULT_DIR;
    }

    public static Path keyStore(Path dir) {
        return KeyStoreFile.embeddedPath(dir);
    }

    /** The enclave's audit log, anchored. */
    public FileAuditLog audit() {
        return audit;
    }

    /** The embedded PostgreSQL (egress service's database, audit anchors). */
    public jp.nmi.enclave.db.EnclaveDatabase database() {
        return database;
    }

    public Path auditLog() {
        return dir.toAbsolutePath().resolve("audit").resolve("enclave-audit.jsonl");
    }

    public Path policyFile() {
        return dir.toAbsolutePath().resolve("policies").resolve(ProjectPolicies.SERVICE + ".json");
    }

    public Path directory() {
        return dir;
    }

    public EnclaveStorage storage() {
        return storage;
    }

    @Override
    public void close() {
        try {
            if (database != null) {
                database.close();
            }
        } finally {
            storage.close();
        }
    }
}
