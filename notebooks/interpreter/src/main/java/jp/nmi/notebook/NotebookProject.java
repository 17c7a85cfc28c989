package jp.nmi.notebook;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.audit.JdbcAuditAnchor;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.output.OutputExporter;
import jp.nmi.enclave.project.ProjectDirectory;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;

/**
 * A project's governed session in a notebook interpreter process: the project's tables under its
 * policies, its members as the project store says now, its audit log anchored in PostgreSQL, and
 * its outbox. One per process (one Spark application per JVM); every member's paragraphs run in it.
 */
public final class NotebookProject implements AutoCloseable {
    private final String projectId;
    private final EnclaveStorage storage;
    private final EnclaveSession session;
    private final OutputExporter exporter;
    private final NotebookSettings settings;
    private final jp.nmi.enclave.genomics.AfService af;

    private NotebookProject(String projectId, EnclaveStorage storage, EnclaveSession session, OutputExporter exporter,
            NotebookSettings settings, jp.nmi.enclave.genomics.AfService af) {
        this.projectId = projectId;
        this.af = af;
        this.storage = storage;
        this.session = session;
        this.exporter = exporter;
        this.settings = settings;
    }

    /**
     * Opens {@code projectId}'s session on the enclave the settings name.
     *
     * @throws jp.nmi.enclave.error.AccessDeniedException if the project is not active
     * @throws jp.nmi.enclave.error.EnclaveStorageException if the enclave does not answer
     */
    public static NotebookProject open(NotebookSettings settings, String projectId) {
        requireNonNull(settings, "settings is null");
        requireNonNull(projectId, "projectId is null");
        Path dir = settings.embedded();
        EnclaveStorage storage = dir != null ? EnclaveStorage.running(dir) : EnclaveStorage.connect(settings.target());
        try {
            Path keyStore = dir != null ? DemoEnclave.keyStore(dir) : settings.keyStore();
            jp.nmi.enclave.policy.PolicySource policies = policySource(settings);
            AuditLog audit = auditLog(settings);
            EnclaveSession session = DemoEnclave.open(storage, projectId, policies, audit, keyStore,
                    new EnclaveSession.Settings(settings.sparkMaster(), settings.queryRows(), 4, settings.sparkConf(),
                            settings.sparkSecretFile()), Clock.systemUTC(),
                    ProjectDirectory.following(new ProjectStore(storage), projectId));
            KeyStoreFile keys = KeyStoreFile.openOrCreate(keyStore);
            byte[] signing = keys.keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS).getEncoded();
            ProjectStore store = new ProjectStore(storage);
            javax.crypto.SecretKey projectKey = keys.key(store.require(projectId).spec().keyAlias())
                    .orElseThrow(() -> new ValidationException("the key of project " + projectId + " is missing"));
            // allele frequencies: the same policies, members and audit log as the session's statements
            jp.nmi.enclave.genomics.AfService af = new jp.nmi.enclave.genomics.AfService(storage, projectId,
                    // a source of its own: a source remembers the version it last handed out
                    new jp.nmi.enclave.policy.RangerAuthorizer(policySource(settings), policies.serviceName(), Clock.systemUTC()),
                    ProjectDirectory.following(store, projectId), audit, new jp.nmi.enclave.genomics.HdfsQueryBudget(storage),
                    new jp.nmi.enclave.project.ProjectOptouts(storage, projectKey, projectId));
            return new NotebookProject(projectId, storage, session, new OutputExporter(session, storage, signing), settings, af);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** The policies in force: the embedded enclave's file, the operators' file, or Ranger Admin. */
    private static jp.nmi.enclave.policy.PolicySource policySource(NotebookSettings s) {
        if (s.embedded() != null) {
            return new jp.nmi.enclave.policy.FilePolicySource(s.embedded().toAbsolutePath().resolve("policies").resolve("enclave_hive.json"));
        }
        NotebookSettings.RangerAdmin ranger = s.rangerAdmin();
        if (ranger == null) {
            return new jp.nmi.enclave.policy.FilePolicySource(s.policies());
        }
        String password;
        try {
            password = Files.readString(ranger.passwordFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ValidationException("cannot read the Ranger Admin password from " + ranger.passwordFile() + ": " + e.getMessage());
        }
        return new jp.nmi.enclave.policy.RangerAdminPolicySource(new jp.nmi.enclave.policy.RangerAdminClient(ranger.url(), ranger.user(),
                password), ranger.service());
    }

    private static AuditLog auditLog(NotebookSettings s) {
        if (s.embedded() != null) {
            Path dir = s.embedded().toAbsolutePath();
            return new FileAuditLog(dir.resolve("audit").resolve("enclave-audit.jsonl"), Clock.systemUTC(),
                    new JdbcAuditAnchor(EnclaveDatabase.runningAuditAnchor(dir), "the enclave's PostgreSQL (audit_anchor.anchor)"));
        }
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(s.anchorJdbc());
        ds.setUser(s.anchorUser());
        try {
            ds.setPassword(Files.readString(s.anchorPasswordFile(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new ValidationException("cannot read the audit anchor's password from " + s.anchorPasswordFile() + ": " + e.getMessage());
        }
        return new FileAuditLog(s.auditLog(), Clock.systemUTC(), new JdbcAuditAnchor(ds, s.anchorJdbc() + " (audit_anchor.anchor)"));
    }

    public String projectId() {
        return projectId;
    }

    public EnclaveSession session() {
        return session;
    }

    public OutputExporter exporter() {
        return exporter;
    }

    /** Allele frequencies of the project's strata, for its members. */
    public jp.nmi.enclave.genomics.AfService af() {
        return af;
    }

    public NotebookSettings settings() {
        return settings;
    }

    /** The project's disclosure profile, as its spec says now. */
    public String profile() {
        return new ProjectStore(storage).require(projectId).spec().disclosureProfile();
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            storage.close();
        }
    }
}
