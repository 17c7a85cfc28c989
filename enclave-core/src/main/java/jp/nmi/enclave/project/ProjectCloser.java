package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import jp.nmi.enclave.api.EgressExports;
import jp.nmi.enclave.api.PendingExports;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.hdfs.HdfsFiles;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Closes a project: access is revoked at once (its policies leave the policies in force), its
 * extract, workspace and outbox are destroyed, its pseudonym key is destroyed (its pseudonyms can
 * never be re-derived), and a signed destruction certificate says what was deleted and that nothing
 * remains. Refused while the egress service holds export requests of the project, unless the
 * operator overrides it with a reason, which the audit log and the certificate record.
 */
public final class ProjectCloser {
    private final EnclaveStorage storage;
    private final KeyStoreFile keys;
    private final PolicyPublisher publisher;
    private final AuditLog audit;
    private final String operator;
    private final Clock clock;
    private final Progress progress;
    private final ProjectStore store;
    private final EgressExports egress;

    /** A closer that asks the egress service through its marks on the same HDFS ({@link PendingExports}). */
    public ProjectCloser(EnclaveStorage storage, KeyStoreFile keys, PolicyPublisher publisher, AuditLog audit, String operator, Clock clock,
            Progress progress) {
        this(storage, keys, publisher, audit, operator, clock, progress, new PendingExports(storage.fs(), storage.layout()));
    }

    public ProjectCloser(EnclaveStorage storage, KeyStoreFile keys, PolicyPublisher publisher, AuditLog audit, String operator, Clock clock,
            Progress progress, EgressExports egress) {
        this.egress = requireNonNull(egress, "egress is null");
        this.storage = requireNonNull(storage, "storage is null");
        this.keys = keys;
        this.publisher = publisher;
        this.audit = audit;
        this.operator = operator;
        this.clock = clock;
        this.progress = progress;
        this.store = new ProjectStore(storage);
    }

    /**
     * @param overridePending close although exports are pending (requires a reason)
     * @return the certificate, also written next to the project's state on HDFS and to {@code certificateDir}
     */
    public DestructionCertificate close(String projectId, boolean overridePending, String reason, java.nio.file.Path certificateDir) {
        try {
            return destroy(projectId, overridePending, reason, certificateDir);
        } catch (RuntimeException e) {
            // a refused or failed closure is audited as well
            try {
                audit.append(new AuditRecord(operator, projectId, "project.close", e instanceof ValidationException ? "refused" : "error",
                        Map.of("error", String.valueOf(e.getMessage()))));
            } catch (RuntimeException auditFailure) {
                e.addSuppressed(auditFailure);
            }
            throw e;
        }
    }

    /** What a closure would destroy, and what stands in its way: read only, nothing changes. */
    public record Preview(String project, String title, List<DestructionCertificate.DeletedDirectory> directories, String keyAlias,
            List<String> pendingRequests, int policies, List<String> members) {
        public long files() {
            return directories.stream().mapToLong(DestructionCertificate.DeletedDirectory::files).sum();
        }

        public long bytes() {
            return directories.stream().mapToLong(DestructionCertificate.DeletedDirectory::bytes).sum();
        }
    }

    /** {@link #close} without closing: the directories, files and bytes that would be destroyed, the key, the pending requests. */
    public Preview preview(String projectId) {
        ProjectState state = store.require(projectId);
        if (!state.isActive() && state.certificate() != null) {
            throw new ValidationException("project " + projectId + " was already closed on " + state.closedAt() + " by " + state.closedBy());
        }
        List<String> pending = egress.pendingRequests(projectId);
        Path dir = store.projectDir(projectId);
        List<DestructionCertificate.DeletedDirectory> dirs = new ArrayList<>();
        for (Path target : List.of(new Path(dir, "extract"), new Path(dir, "workspace"), new Path(dir, "outbox"))) {
            dirs.add(inventory(target));
        }
        for (Path held : egress.holdings(projectId, pending)) {
            dirs.add(inventory(held));
        }
        return new Preview(projectId, state.spec().title(), dirs, state.spec().keyAlias(), pending, store.policies(projectId).size(),
                state.spec().members().stream().map(jp.nmi.enclave.project.ProjectMember::user).toList());
    }

    /** A directory's files and bytes, as a certificate would list them (without their hashes: nothing is read). */
    private DestructionCertificate.DeletedDirectory inventory(Path target) {
        long files = 0;
        long bytes = 0;
        try {
            if (storage.fs().exists(target)) {
                RemoteIterator<LocatedFileStatus> it = storage.fs().listFiles(target, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    files++;
                    bytes += f.getLen();
                }
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot list " + target + ": " + e.getMessage(), e);
        }
        return new DestructionCertificate.DeletedDirectory(plain(target), files, bytes, List.of());
    }

    private DestructionCertificate destroy(String projectId, boolean overridePending, String reason, java.nio.file.Path certificateDir) {
        ProjectState state = store.require(projectId);
        // A closure that stopped part-way (say, Ranger Admin refused the revocation) left the project
        // closed without a certificate: running close again finishes it.
        if (!state.isActive() && state.certificate() != null) {
            throw new ValidationException("project " + projectId + " was already closed on " + state.closedAt() + " by " + state.closedBy());
        }
        List<String> pending = egress.pendingRequests(projectId);
        if (!pending.isEmpty() && !overridePending) {
            throw new ValidationException("project " + projectId + " has " + pending.size() + " export request(s) pending in the egress"
                    + " service (" + String.join(", ", pending) + "); wait until they are decided, or close with --override-pending"
                    + " --reason TEXT (audited)");
        }
        if (overridePending && (reason == null || reason.isBlank())) {
            throw new ValidationException("--override-pending needs --reason: why close with export requests pending?");
        }
        String now = clock.instant().toString();
        ProjectSpec spec = state.spec();

        // 1. revoke: from the next statement on, no policy grants anything in the project
        store.writeState(new ProjectState(ProjectState.FORMAT, projectId, ProjectState.CLOSED, spec, state.specSha256(), state.appliedAt(),
                state.appliedBy(), state.extract(), now, operator, null));
        jp.nmi.enclave.project.MemberList open = ProjectReconciler.members(spec, ProjectState.CLOSED);
        store.writeMembers(open.closed(now));
        store.deletePolicies(projectId);
        store.deleteConsentSeen(projectId);
        store.publish(publisher);

        // 2. inventory and destroy
        Path dir = store.projectDir(projectId);
        List<DestructionCertificate.DeletedDirectory> deleted = new ArrayList<>();
        List<Path> targets = new ArrayList<>(List.of(new Path(dir, "extract"), new Path(dir, "workspace"), new Path(dir, "outbox")));
        // requests still pending in the egress service (closed with an override): their quarantined
        // copies are the project's data too, and go with it; the service then refuses to release them
        targets.addAll(egress.holdings(projectId, pending));
        for (Path target : targets) {
            deleted.add(inventoryAndDelete(target));
        }
        boolean keyDestroyed = keys.destroyKey(spec.keyAlias());

        // 3. check that nothing remains
        List<DestructionCertificate.Check> checks = new ArrayList<>();
        for (Path target : targets) {
            boolean gone = !exists(target);
            checks.add(new DestructionCertificate.Check("no " + plain(target), gone, gone ? "does not exist" : "still exists"));
        }
        List<String> leftover = dataFilesUnder(dir);
        checks.add(new DestructionCertificate.Check("no data file under " + plain(dir), leftover.isEmpty(),
                leftover.isEmpty() ? "only the project's state, member list and this certificate remain" : "found " + leftover));
        boolean keyGone = keys.key(spec.keyAlias()).isEmpty();
        checks.add(new DestructionCertificate.Check("no key " + spec.keyAlias(), keyGone,
                keyGone ? (keyDestroyed ? "destroyed now" : "was already absent") : "still in the key store"));
        // every policy in force, not only the enclave's: one that lost its label still grants
        boolean revoked = publisher.all().stream().noneMatch(p -> p.getName() != null && p.getName().startsWith(projectId + ":"));
        checks.add(new DestructionCertificate.Check("no policy of " + projectId + " in force", revoked,
                revoked ? "none in " + publisher.describe() : "some remain in " + publisher.describe()));

        DestructionCertificate unsigned = new DestructionCertificate(DestructionCertificate.FORMAT, projectId, spec.title(),
                spec.approval().reference(), operator, now, reason, overridePending && !pending.isEmpty(), deleted, spec.keyAlias(), checks, null);
        DestructionCertificate certificate = unsigned.withSignature(sign(unsigned));
        Path onHdfs = new Path(dir, "destruction-certificate.json");
        HdfsFiles.writeAtomically(storage, onHdfs, out -> ProjectStore.JSON.writeValue(out, certificate));
        String local = null;
        if (certificateDir != null) {
            try {
                Files.createDirectories(certificateDir);
                java.nio.file.Path file = certificateDir.resolve(projectId + "-destruction-certificate.json");
                Files.writeString(file, ProjectStore.json(certificate));
                local = file.toAbsolutePath().toString();
            } catch (IOException e) {
                throw new EnclaveStorageException("the project was destroyed but the certificate could not be written to " + certificateDir
                        + " (it is on HDFS at " + onHdfs + "): " + e.getMessage(), e);
            }
        }
        store.writeState(new ProjectState(ProjectState.FORMAT, projectId, ProjectState.CLOSED, spec, state.specSha256(), state.appliedAt(),
                state.appliedBy(), null, now, operator, plain(onHdfs)));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("deletedFiles", deleted.stream().mapToLong(DestructionCertificate.DeletedDirectory::files).sum());
        details.put("deletedBytes", deleted.stream().mapToLong(DestructionCertificate.DeletedDirectory::bytes).sum());
        details.put("certificate", local == null ? plain(onHdfs) : local);
        details.put("certificateSignature", certificate.signature());
        details.put("allChecksPassed", certificate.allChecksPassed());
        if (overridePending) {
            details.put("pendingExportsOverridden", pending);
            details.put("reason", reason);
        }
        audit.append(new AuditRecord(operator, projectId, "project.close", certificate.allChecksPassed() ? "ok" : "error", details));
        ProjectReconciler.publishRegister(storage, clock, projectId);
        return certificate;
    }

    /**
     * Checks a certificate: its signature under the provider key, and that nothing it lists as
     * deleted exists now.
     *
     * @return the problems found; empty if it verifies
     */
    public static List<String> verify(DestructionCertificate certificate, KeyStoreFile keys, EnclaveStorage storage) {
        List<String> problems = new ArrayList<>();
        String expected = signWith(keys, certificate.withSignature(null));
        if (!expected.equals(certificate.signature())) {
            problems.add("the signature does not match its content (edited, or signed with another provider key)");
        }
        if (!certificate.allChecksPassed()) {
            problems.add("checks failed when it was issued: " + certificate.checks().stream().filter(c -> !c.passed())
                    .map(DestructionCertificate.Check::what).toList());
        }
        for (DestructionCertificate.DeletedDirectory d : certificate.deleted()) {
            try {
                if (storage.fs().exists(new Path(d.path()))) {
                    problems.add(d.path() + " exists again");
                }
                for (DestructionCertificate.DeletedFile f : d.contents()) {
                    if (storage.fs().exists(new Path(f.path()))) {
                        problems.add(f.path() + " exists again");
                    }
                }
            } catch (IOException e) {
                problems.add("cannot check " + d.path() + ": " + e.getMessage());
            }
        }
        if (keys.key(certificate.keyAlias()).isPresent()) {
            problems.add("the key " + certificate.keyAlias() + " is in the key store");
        }
        return problems;
    }

    private DestructionCertificate.DeletedDirectory inventoryAndDelete(Path target) {
        List<DestructionCertificate.DeletedFile> files = new ArrayList<>();
        long bytes = 0;
        try {
            if (!storage.fs().exists(target)) {
                return new DestructionCertificate.DeletedDirectory(plain(target), 0, 0, List.of());
            }
            try (Progress.Task task = progress.start("hashing " + plain(target), -1)) {
                RemoteIterator<LocatedFileStatus> it = storage.fs().listFiles(target, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    files.add(new DestructionCertificate.DeletedFile(plain(f.getPath()), f.getLen(), sha256(f.getPath())));
                    bytes += f.getLen();
                    task.advance(1);
                }
            }
            if (!storage.fs().delete(target, true)) {
                throw new EnclaveStorageException("HDFS did not delete " + target);
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot destroy " + target + ": " + e.getMessage(), e);
        }
        return new DestructionCertificate.DeletedDirectory(plain(target), files.size(), bytes, List.copyOf(files));
    }


    private List<String> dataFilesUnder(Path dir) {
        List<String> out = new ArrayList<>();
        try {
            RemoteIterator<LocatedFileStatus> it = storage.fs().listFiles(dir, true);
            while (it.hasNext()) {
                String name = it.next().getPath().getName();
                // consent-seen.json holds a number, never data (and an opt-out applied during the close may write it again)
                if (!List.of("project.json", "members.json", "destruction-certificate.json", "consent-seen.json").contains(name)) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            out.add("(cannot list " + dir + ": " + e.getMessage() + ")");
        }
        return out;
    }

    private boolean exists(Path p) {
        try {
            return storage.fs().exists(p);
        } catch (IOException e) {
            return true;
        }
    }

    private String sha256(Path file) throws IOException {
        try (InputStream in = storage.fs().open(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String sign(DestructionCertificate unsigned) {
        return signWith(keys, unsigned);
    }

    private static String signWith(KeyStoreFile keys, DestructionCertificate unsigned) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(keys.providerKey());
            mac.update("destruction-certificate:".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(ProjectStore.json(unsigned.withSignature(null)).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static String plain(Path p) {
        return Path.getPathWithoutSchemeAndAuthority(p).toString();
    }
}
