package jp.nmi.enclave.embedded;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.authz.ProjectScope;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.demo.DemoProjects;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.policy.ServicePoliciesJson;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;

/**
 * The embedded enclave with the demo world: HDFS in a local directory, the demo source files
 * ingested, and the demo projects' Ranger policies in a policy file. Reuses whatever the
 * directory already holds, so a second start is quick.
 */
public final class DemoEnclave implements AutoCloseable {
    private final Path dir;
    private final EnclaveStorage storage;
    private final Path policyFile;

    private DemoEnclave(Path dir, EnclaveStorage storage, Path policyFile) {
        this.dir = dir;
        this.storage = storage;
        this.policyFile = policyFile;
    }

    public static DemoEnclave start(Path dir, DemoWorld.Parameters world, Progress progress) {
        requireNonNull(dir, "dir is null");
        EnclaveStorage storage = EnclaveStorage.embedded(dir);
        try {
            Path source = dir.resolve("demo-source");
            if (!Files.exists(source.resolve(DemoWorld.MANIFEST))) {
                DemoWorld.write(world, source, progress);
            }
            if (new DatasetRegistryStore(storage).read().isEmpty()) {
                Ingest.run(storage, new Ingest.Request(source, keyStore(dir), source.resolve(DemoWorld.OPTOUT_CSV)), progress);
            }
            Path policies = dir.resolve("policies").resolve(DemoProjects.SERVICE + ".json");
            if (!Files.exists(policies)) {
                Files.createDirectories(policies.getParent());
                Files.write(policies, ServicePoliciesJson.write(DemoProjects.policies()));
            }
            for (DemoProjects.Project p : DemoProjects.ALL) {
                HdfsFiles.mkdirs(storage, storage.layout().projects(), 0755);
                HdfsFiles.mkdirs(storage, storage.layout().project(p.id()), 0750);
                HdfsFiles.mkdirs(storage, new org.apache.hadoop.fs.Path(storage.layout().project(p.id()), "workspace"), 0770);
                HdfsFiles.mkdirs(storage, new org.apache.hadoop.fs.Path(storage.layout().project(p.id()), "outbox"), 0770);
            }
            return new DemoEnclave(dir, storage, policies);
        } catch (IOException | RuntimeException e) {
            storage.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new EnclaveStorageException("cannot start the demo enclave in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens a demo project's governed SQL session (one per JVM at a time). */
    public EnclaveSession openProject(String projectId, EnclaveSession.Settings settings) {
        return openProject(projectId, settings, Clock.systemUTC());
    }

    public EnclaveSession openProject(String projectId, EnclaveSession.Settings settings, Clock clock) {
        return openProject(projectId, settings, clock, DemoProjects.directory());
    }

    public EnclaveSession openProject(String projectId, EnclaveSession.Settings settings, Clock clock, UserDirectory directory) {
        DemoProjects.Project project = DemoProjects.byId(projectId);
        DatasetRegistry registry = new DatasetRegistryStore(storage).require();
        Map<String, String> tables = new LinkedHashMap<>();
        for (DatasetRegistry.Entry e : registry.datasets()) {
            tables.put(e.name(), e.location());
        }
        String projectPath = org.apache.hadoop.fs.Path.getPathWithoutSchemeAndAuthority(storage.layout().project(project.id())).toString();
        ProjectScope scope = new ProjectScope(project.id(), project.database(), "workspace", projectPath + "/workspace",
                projectPath + "/outbox");
        RangerAuthorizer authorizer = new RangerAuthorizer(new FilePolicySource(policyFile), DemoProjects.SERVICE, clock);
        return EnclaveSession.open(storage.fileSystemUri(), new EnclaveSession.Project(scope, tables), authorizer,
                directory, new FileAuditLog(auditLog()), KeyStoreFile.openOrCreate(keyStore(dir))
                        .keyOrCreate("project-" + project.id().toLowerCase(java.util.Locale.ROOT)), settings);
    }

    public static Path keyStore(Path dir) {
        return dir.toAbsolutePath().resolve("keys").resolve("enclave-keys.p12");
    }

    public Path auditLog() {
        return dir.toAbsolutePath().resolve("audit").resolve("enclave-audit.jsonl");
    }

    public Path policyFile() {
        return policyFile;
    }

    public EnclaveStorage storage() {
        return storage;
    }

    @Override
    public void close() {
        storage.close();
    }
}
