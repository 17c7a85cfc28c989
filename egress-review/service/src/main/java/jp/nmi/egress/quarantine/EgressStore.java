package jp.nmi.egress.quarantine;

import static java.util.Objects.requireNonNull;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jp.nmi.enclave.api.PendingExports;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * The egress service's files on HDFS, all handled as the HDFS user {@value #USER}:
 *
 * <pre>
 * &lt;root&gt;/projects/&lt;p&gt;/outbox/&lt;name&gt;                 what analysts export (egress reads)
 * &lt;root&gt;/projects/&lt;p&gt;/outbox/.disclosure/&lt;name&gt;.json  the metadata recorded when the output was made
 * &lt;root&gt;/egress/quarantine/&lt;request&gt;/&lt;sha256&gt;       submitted bytes, by content (egress only)
 * &lt;root&gt;/egress/released/&lt;request&gt;/&lt;name&gt;         released bytes, published by one rename (egress only)
 * &lt;root&gt;/egress/released/.staging-&lt;request&gt;/        a release being assembled
 * &lt;root&gt;/egress/pending/&lt;project&gt;/&lt;request&gt;        requests not yet decided (project closure checks them)
 * </pre>
 */
public final class EgressStore implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EgressStore.class);
    public static final String USER = "egress";
    static final String METADATA_DIR = jp.nmi.egress.disclosure.OutputRecord.DIRECTORY;
    static final long MAX_METADATA_BYTES = 16L << 20;

    /** A file as listed in an outbox. */
    public record OutboxFile(String name, long size, long modifiedMillis, boolean isDirectory) {}

    /** Bytes copied into quarantine. */
    public record Quarantined(String sha256, byte[] bytes) {}

    private final EnclaveStorage storage;
    private final FileSystem fs;
    private final PendingExports pending;

    /** The HDFS user the service acts as: {@value #USER} (under Kerberos its own login, which must map to it). */
    private final String user;

    private EgressStore(EnclaveStorage storage, FileSystem fs, String user) {
        this.storage = storage;
        this.fs = fs;
        this.user = user;
        this.pending = new PendingExports(fs, storage.layout());
    }

    /**
     * Opens the store as the HDFS user {@value #USER} (with Kerberos, the service's own login) and
     * makes sure its directories exist, owned by that user, mode 0700.
     */
    public static EgressStore open(EnclaveStorage storage) {
        requireNonNull(storage, "storage is null");
        try {
            UserGroupInformation ugi = UserGroupInformation.isSecurityEnabled() ? UserGroupInformation.getLoginUser()
                    : UserGroupInformation.createRemoteUser(USER);
            FileSystem fs = ugi.doAs((PrivilegedExceptionAction<FileSystem>) () ->
                    FileSystem.newInstance(storage.fileSystemUri(), storage.configuration()));
            EgressStore store = new EgressStore(storage, fs, ugi.getShortUserName());
            store.prepare();
            return store;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot open HDFS as " + USER + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnclaveStorageException("interrupted while opening HDFS as " + USER, e);
        }
    }

    private void prepare() throws IOException {
        Path egress = storage.layout().egress();
        if (UserGroupInformation.isSecurityEnabled() && !USER.equals(user)) {
            // the enclave's keytab would give the egress service everything: the ACLs that name egress would mean nothing
            throw new EnclaveStorageException("the egress service logs in as " + user + ": under Kerberos it runs as its own principal,"
                    + " which maps to the account " + USER + " (egress/<host>, docs/operations.md), never the enclave's");
        }
        if (UserGroupInformation.isSecurityEnabled() && (!exists(egress) || !fs.getFileStatus(egress).getOwner().equals(user))) {
            // the service's own principal cannot create or take over a directory of the enclave's root
            throw new EnclaveStorageException(egress + " must exist, owned by " + user + " (the egress service's account), mode 0700:"
                    + " an HDFS administrator creates it once (docs/operations.md, deploying)");
        }
        if (!exists(egress) || !fs.getFileStatus(egress).getOwner().equals(user)) {
            // Only the provider (HDFS superuser) can hand the directory to the service; in production
            // the operator does this once, embedded this process is the provider.
            FileSystem provider = storage.fs();
            if (!exists(storage.layout().root())) {
                // a fresh enclave: its root as ingest makes it, so that the service can reach its own directory
                jp.nmi.enclave.hdfs.HdfsFiles.mkdirs(storage, storage.layout().root(), jp.nmi.enclave.api.EnclaveLayout.ROOT_MODE);
            }
            provider.mkdirs(egress);
            provider.setOwner(egress, user, user);
            provider.setPermission(egress, new FsPermission((short) 0700));
        }
        for (Path p : List.of(quarantineRoot(), releasedRoot(), pendingRoot())) {
            fs.mkdirs(p);
            fs.setPermission(p, new FsPermission((short) 0700));
        }
        if (UserGroupInformation.isSecurityEnabled()) {
            // The enclave's account is no superuser here: a closure reads the pending marks and, when it overrides them,
            // destroys them and the quarantined copies with the project. Group bits are the ACLs' masks; the owning group is the
            // service's own.
            grant(egress, (short) 0710, "--x", false);
            grant(pendingRoot(), (short) 0770, "rwx", true);
            grant(quarantineRoot(), (short) 0770, "rwx", true);
            // what an earlier start made before these ACLs existed inherits none: marks (pending/<project>/<request>) and
            // quarantined copies (quarantine/<request>) a closure could then not destroy
            grantBelow(pendingRoot(), 2);
            grantBelow(quarantineRoot(), 1);
        }
    }

    /**
     * Gives the enclave's account what {@link #grant} gives the roots on every directory down to
     * {@code depth} below {@code root} that lacks it and is the service's own, and read access to the
     * files in them (a closure hashes what it destroys, for its certificate). One that cannot be
     * changed is logged and left: the service still starts, and a closure that meets it says so.
     */
    private void grantBelow(Path root, int depth) {
        org.apache.hadoop.fs.FileStatus[] below;
        try {
            below = fs.listStatus(root);
        } catch (IOException e) {
            LOG.warn("cannot list {} to give the enclave's account access below it: a closure may stop there", root, e);
            return;
        }
        for (org.apache.hadoop.fs.FileStatus s : below) {
            if (!user.equals(s.getOwner())) {
                LOG.warn("{} belongs to {}, not to the egress service: its ACL is left as it is", s.getPath(), s.getOwner());
                continue;
            }
            try {
                if (s.isDirectory()) {
                    if (depth == 0) {
                        continue;
                    }
                    if (!hasEnclaveAccess(s)) {
                        grant(s.getPath(), (short) 0770, "rwx", true);
                        LOG.info("{}: the enclave's account may now destroy it with its project (made before the ACLs)", s.getPath());
                    }
                    grantBelow(s.getPath(), depth - 1);
                } else if (!canEnclaveRead(s)) {
                    fs.modifyAclEntries(s.getPath(), List.of(org.apache.hadoop.fs.permission.AclEntry.parseAclEntry("user:"
                            + jp.nmi.enclave.api.EnclaveLayout.ENCLAVE_ACCOUNT + ":r--", true)));
                    FsPermission p = s.getPermission();
                    // the group bits are the ACL's mask: they must let the enclave's entry read
                    fs.setPermission(s.getPath(), new FsPermission(p.getUserAction(), p.getGroupAction().or(
                            org.apache.hadoop.fs.permission.FsAction.READ), p.getOtherAction()));
                    LOG.info("{}: the enclave's account may now read it (made before the ACLs)", s.getPath());
                }
            } catch (IOException e) {
                LOG.warn("cannot give the enclave's account access to {}: a closure of its project will stop there", s.getPath(), e);
            }
        }
    }

    /** Whether the enclave's own access entry lets it read {@code file}, the mask (group bits) too. */
    private boolean canEnclaveRead(org.apache.hadoop.fs.FileStatus file) throws IOException {
        return fs.getAclStatus(file.getPath()).getEntries().stream().anyMatch(e -> e.getScope()
                == org.apache.hadoop.fs.permission.AclEntryScope.ACCESS && e.getType() == org.apache.hadoop.fs.permission.AclEntryType.USER
                && jp.nmi.enclave.api.EnclaveLayout.ENCLAVE_ACCOUNT.equals(e.getName())
                && e.getPermission().implies(org.apache.hadoop.fs.permission.FsAction.READ))
                && file.getPermission().getGroupAction().implies(org.apache.hadoop.fs.permission.FsAction.READ);
    }

    /**
     * Whether the enclave's account has what {@link #grant} gives: its own entries, access and default,
     * with rwx, and a mask (the group bits) that lets them count (a {@code chmod 700} leaves the entries
     * but masks them to nothing; another ACL without the enclave's entries is not enough).
     */
    private boolean hasEnclaveAccess(org.apache.hadoop.fs.FileStatus dir) throws IOException {
        List<org.apache.hadoop.fs.permission.AclEntry> entries = fs.getAclStatus(dir.getPath()).getEntries();
        return enclaveEntry(entries, org.apache.hadoop.fs.permission.AclEntryScope.ACCESS)
                && enclaveEntry(entries, org.apache.hadoop.fs.permission.AclEntryScope.DEFAULT)
                && dir.getPermission().getGroupAction() == org.apache.hadoop.fs.permission.FsAction.ALL;
    }

    private static boolean enclaveEntry(List<org.apache.hadoop.fs.permission.AclEntry> entries,
            org.apache.hadoop.fs.permission.AclEntryScope scope) {
        return entries.stream().anyMatch(e -> e.getScope() == scope && e.getType() == org.apache.hadoop.fs.permission.AclEntryType.USER
                && jp.nmi.enclave.api.EnclaveLayout.ENCLAVE_ACCOUNT.equals(e.getName())
                && e.getPermission() == org.apache.hadoop.fs.permission.FsAction.ALL);
    }

    private void grant(Path dir, short mode, String perm, boolean inherited) throws IOException {
        List<org.apache.hadoop.fs.permission.AclEntry> entries = new ArrayList<>();
        entries.add(org.apache.hadoop.fs.permission.AclEntry.parseAclEntry("user:" + jp.nmi.enclave.api.EnclaveLayout.ENCLAVE_ACCOUNT
                + ":" + perm, true));
        if (inherited) {
            entries.add(org.apache.hadoop.fs.permission.AclEntry.parseAclEntry("default:user:"
                    + jp.nmi.enclave.api.EnclaveLayout.ENCLAVE_ACCOUNT + ":" + perm, true));
        }
        fs.modifyAclEntries(dir, entries);
        fs.setPermission(dir, new FsPermission(mode));
    }

    private boolean exists(Path p) throws IOException {
        try {
            storage.fs().getFileStatus(p);
            return true;
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    Path outbox(String project) {
        return new Path(storage.layout().project(project), "outbox");
    }

    Path quarantineRoot() {
        return storage.layout().quarantine();
    }

    Path releasedRoot() {
        return new Path(storage.layout().egress(), "released");
    }

    Path pendingRoot() {
        return storage.layout().pending();
    }

    public Path quarantined(String requestId, String sha256) {
        return new Path(new Path(quarantineRoot(), requestId), sha256);
    }

    public Path released(String requestId) {
        return new Path(releasedRoot(), requestId);
    }

    Path staging(String requestId) {
        return new Path(releasedRoot(), ".staging-" + requestId);
    }

    /** The files of a project's outbox, hidden files left out, by name. */
    public List<OutboxFile> outboxFiles(String project) {
        List<OutboxFile> out = new ArrayList<>();
        try {
            for (FileStatus s : fs.listStatus(outbox(project))) {
                String name = s.getPath().getName();
                if (!name.startsWith(".")) {
                    out.add(new OutboxFile(name, s.getLen(), s.getModificationTime(), s.isDirectory()));
                }
            }
        } catch (FileNotFoundException e) {
            throw new NotFoundException("project " + project + " has no outbox (is it applied?)");
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot list the outbox of " + project + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    /**
     * A file of the outbox, by (already normalised) name.
     *
     * @throws ValidationException if it does not exist, is a directory or is larger than {@code maxBytes}
     */
    public FileStatus checkExportable(String project, String name, long maxBytes) {
        FileStatus s;
        try {
            s = fs.getFileStatus(new Path(outbox(project), name));
        } catch (FileNotFoundException e) {
            throw new ValidationException("'" + name + "' is not in the outbox of " + project);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the outbox of " + project + ": " + e.getMessage(), e);
        }
        if (s.isDirectory()) {
            throw new ValidationException("'" + name + "' in the outbox of " + project + " is a directory: export files, one by one");
        }
        if (s.getLen() > maxBytes) {
            throw new ValidationException("'" + name + "' is " + s.getLen() + " bytes, more than the limit of " + maxBytes
                    + " bytes per file: export a summary, not data");
        }
        if (s.getLen() == 0) {
            throw new ValidationException("'" + name + "' is empty");
        }
        return s;
    }

    /**
     * Copies an outbox file into the request's quarantine under its SHA-256. The bytes are read
     * once: what is hashed is what is stored and what the checks see, whatever happens to the
     * outbox afterwards.
     */
    public Quarantined quarantine(String requestId, String project, String name, long maxBytes) {
        return store(requestId, read(project, name, maxBytes));
    }

    /** An outbox file's bytes, read once: what is hashed, checked and stored is these bytes, whatever the outbox holds later. */
    public byte[] read(String project, String name, long maxBytes) {
        return readBounded(new Path(outbox(project), name), maxBytes, "'" + name + "'");
    }

    /** Stores bytes in the request's quarantine under their SHA-256 (once: the same bytes are stored once). */
    public Quarantined store(String requestId, byte[] bytes) {
        String sha = sha256(bytes);
        Path target = quarantined(requestId, sha);
        try {
            if (!fs.exists(target)) {
                Path tmp = new Path(target.getParent(), ".incoming-" + UUID.randomUUID());
                // group bits: under Kerberos, the mask of the enclave's ACL (a closure may destroy the copy)
                fs.mkdirs(target.getParent(), new FsPermission((short) 0770));
                try (FSDataOutputStream out = fs.create(tmp, false)) {
                    out.write(bytes);
                    out.hsync();
                }
                if (!fs.rename(tmp, target)) {
                    fs.delete(tmp, false);
                    if (!fs.exists(target)) {
                        throw new IOException("rename to " + target + " failed");
                    }
                }
            }
            return new Quarantined(sha, bytes);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot quarantine a file of " + requestId + ": " + e.getMessage(), e);
        }
    }

    /** The metadata recorded for an outbox file when it was made, if any. */
    public Optional<byte[]> metadata(String project, String name) {
        Path p = new Path(new Path(outbox(project), METADATA_DIR), name + ".json");
        try {
            if (!fs.exists(p)) {
                return Optional.empty();
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + p + ": " + e.getMessage(), e);
        }
        return Optional.of(readBounded(p, MAX_METADATA_BYTES, "the metadata of '" + name + "'"));
    }

    /** Removes the quarantine of a request that was refused (best effort: nothing refers to it). */
    public void discardQuarantine(String requestId) {
        try {
            fs.delete(new Path(quarantineRoot(), requestId), true);
        } catch (IOException e) {
            // an orphaned copy is unreachable by anyone but the service; losing the error loses nothing
        }
    }

    /** Removes every entry of a request's quarantine but the copies in {@code keep} (best effort). */
    public void discardUnreferenced(String requestId, java.util.Set<String> keep) {
        try {
            for (FileStatus s : fs.listStatus(new Path(quarantineRoot(), requestId))) {
                if (!keep.contains(s.getPath().getName())) {
                    fs.delete(s.getPath(), false);
                }
            }
        } catch (IOException e) {
            // as above
        }
    }

    /** Quarantined bytes, checked against the hash they are stored under. */
    public byte[] readQuarantined(String requestId, String sha256) {
        byte[] bytes = readBounded(quarantined(requestId, sha256), Long.MAX_VALUE, "quarantined file " + sha256);
        String actual = sha256(bytes);
        if (!actual.equals(sha256)) {
            throw new EnclaveStorageException("quarantined file " + requestId + "/" + sha256 + " has changed: its bytes hash to " + actual);
        }
        return bytes;
    }

    /** Starts assembling a release: an empty staging directory (anything left from an earlier attempt is removed). */
    public void startStaging(String requestId) {
        try {
            fs.delete(staging(requestId), true);
            fs.mkdirs(staging(requestId), new FsPermission((short) 0700));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot stage the release of " + requestId + ": " + e.getMessage(), e);
        }
    }

    public void writeStaged(String requestId, String name, byte[] bytes) {
        try (FSDataOutputStream out = fs.create(new Path(staging(requestId), name), false)) {
            out.write(bytes);
            out.hsync();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot stage '" + name + "' of " + requestId + ": " + e.getMessage(), e);
        }
    }

    /** Publishes the staged release with one rename: the release directory appears complete or not at all. */
    public void publishStaged(String requestId) {
        try {
            if (fs.exists(released(requestId))) {
                throw new EnclaveStorageException("release directory of " + requestId + " already exists");
            }
            if (!fs.rename(staging(requestId), released(requestId))) {
                throw new EnclaveStorageException("cannot publish the release of " + requestId + ": rename failed");
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot publish the release of " + requestId + ": " + e.getMessage(), e);
        }
    }

    public boolean isPublished(String requestId) {
        try {
            return fs.exists(released(requestId));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the release of " + requestId + ": " + e.getMessage(), e);
        }
    }

    /** Released bytes of one file, or empty if the release has no such file. */
    public Optional<byte[]> readReleased(String requestId, String name) {
        Path p = new Path(released(requestId), name);
        try {
            if (!fs.exists(p)) {
                return Optional.empty();
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + p + ": " + e.getMessage(), e);
        }
        return Optional.of(readBounded(p, Long.MAX_VALUE, "released file '" + name + "'"));
    }

    /** Removes a staging directory and, when rolling back, a published one. */
    public void discard(String requestId, boolean published) {
        try {
            fs.delete(staging(requestId), true);
            if (published) {
                fs.delete(released(requestId), true);
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot discard the release of " + requestId + ": " + e.getMessage(), e);
        }
    }

    /** Marks a request pending ({@link PendingExports}: what project closure asks before it destroys anything). */
    public void markPending(String project, String requestId) {
        pending.mark(project, requestId);
    }

    public void clearPending(String project, String requestId) {
        pending.clear(project, requestId);
    }

    public boolean isPending(String project, String requestId) {
        return pending.isMarked(project, requestId);
    }

    private byte[] readBounded(Path p, long maxBytes, String what) {
        try (InputStream in = fs.open(p)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes == Long.MAX_VALUE ? Integer.MAX_VALUE - 8L : maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new ValidationException(what + " is larger than the limit of " + maxBytes + " bytes");
            }
            return bytes;
        } catch (FileNotFoundException e) {
            throw new NotFoundException(what + " does not exist");
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The file system as the egress user, for tests that look at what the service may see. */
    public FileSystem fileSystem() {
        return fs;
    }

    @Override
    public void close() {
        try {
            fs.close();
        } catch (IOException e) {
            // nothing is left to lose when closing a client
        }
    }
}
