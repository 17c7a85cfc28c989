package jp.nmi.enclave.sql;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.authz.AuthzContext;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the enclave's check asks of HDFS before a write, and does after it: Spark writes as the
 * service, so HDFS permissions cannot tell members apart inside the outbox. An outbox directory
 * written by {@code INSERT OVERWRITE DIRECTORY} carries the extended attribute
 * {@value #WRITER} naming the member who wrote it; only that member may overwrite it, and nothing
 * else in the outbox (a file another member exported, an unmarked directory) can be overwritten
 * by a statement.
 */
final class HdfsWriteGuard implements AuthzContext.WriteGuard {
    static final String WRITER = "user.enclave.writer";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HdfsWriteGuard.class);
    private static final java.util.regex.Pattern TABLE = java.util.regex.Pattern.compile("[a-z0-9_]{1,128}");

    private final FileSystem fs;
    /**
     * Outbox names being written now, by whom, keyed by their path: a statement's target and an
     * export's file alike, so that two members cannot race for one name between check and write, and
     * neither a statement nor an export replaces what the other is writing.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Holding> inFlight = new java.util.concurrent.ConcurrentHashMap<>();

    /** Who holds an outbox name: a member's statements (counted: each ends on its own) or a member's export (alone). */
    private record Writer(String user, boolean export) {}

    private record Holding(Writer writer, int statements) {}

    HdfsWriteGuard(Configuration conf, URI fileSystem) {
        try {
            this.fs = FileSystem.get(fileSystem, conf);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot reach " + fileSystem + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void checkOutboxDirectory(String user, String target, boolean firstTime) {
        Writer writer = new Writer(user, false);
        Writer[] other = new Writer[1];
        boolean[] claimed = new boolean[1];
        inFlight.compute(key(target), (k, held) -> {
            if (held == null) {
                claimed[0] = true;
                return new Holding(writer, 1);
            }
            if (!held.writer().equals(writer)) {
                other[0] = held.writer();
                return held;
            }
            claimed[0] = firstTime;
            return firstTime ? new Holding(writer, held.statements() + 1) : held;
        });
        if (other[0] != null) {
            throw AccessDeniedException.denyWrite(new Path(target).getName(), (other[0].user().equals(user) ? "an export of yours"
                    : other[0].user()) + " is writing it right now; choose another name");
        }
        try {
            checkExisting(user, target);
        } catch (RuntimeException e) {
            if (claimed[0]) {
                release(user, java.util.List.of(target));
            }
            throw e;
        }
    }

    /** Ends a statement's claims on outbox targets. */
    void release(String user, java.util.Collection<String> targets) {
        Writer writer = new Writer(user, false);
        for (String t : targets) {
            inFlight.computeIfPresent(key(t), (k, held) -> !held.writer().equals(writer) ? held
                    : held.statements() > 1 ? new Holding(writer, held.statements() - 1) : null);
        }
    }

    /**
     * Claims an outbox name for an export by {@code user} until the returned claim is closed.
     *
     * @throws AccessDeniedException if another member's statement or export is writing it now
     */
    AutoCloseable claim(String user, String path) {
        String key = key(path);
        Writer writer = new Writer(user, true);
        Holding mine = new Holding(writer, 1);
        Holding holder = inFlight.putIfAbsent(key, mine);
        if (holder != null) {
            throw new AccessDeniedException(new Path(path).getName() + " in the outbox is being written right now by "
                    + (holder.writer().user().equals(user) ? "another statement or export of yours" : holder.writer().user())
                    + "; choose another name");
        }
        return () -> inFlight.remove(key, mine);
    }

    /** One key per outbox path, however it was written (with or without the filesystem). */
    private static String key(String path) {
        return new Path(path).toUri().getPath();
    }

    private void checkExisting(String user, String target) {
        Path path = new Path(target);
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return;
        } catch (IOException e) {
            LOG.warn("cannot check {} before a statement of {} writes it", target, user, e);
            throw AccessDeniedException.denyWrite(new Path(target).getName(), "the enclave's storage did not answer when the name"
                    + " was checked; try again in a moment, or ask the operators");
        }
        if (!status.isDirectory()) {
            throw AccessDeniedException.denyWrite(target, "a file of that name is already in the outbox; choose another name");
        }
        String writer = writer(path);
        if (!user.equals(writer)) {
            throw AccessDeniedException.denyWrite(target, writer == null
                    ? "it exists and was not written by a statement of yours; choose another name"
                    : "it was written by " + writer + "; only they may overwrite it");
        }
    }

    /** Marks {@code dir} as written by {@code user}. */
    void markWrittenBy(String user, String dir) {
        try {
            fs.setXAttr(new Path(dir), WRITER, user.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot mark " + dir + " as written by " + user + ": " + e.getMessage(), e);
        }
    }

    /** The modification time of {@code path}, or 0 if it does not exist. */
    long modificationTime(String path) {
        try {
            return fs.getFileStatus(new Path(path)).getModificationTime();
        } catch (FileNotFoundException e) {
            return 0;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes what a dropped workspace table left (tables registered from files are external to
     * Spark): only a directory named like a table, directly in the user's workspace directory.
     */
    void removeDropped(String userDirectory, String table) {
        if (!TABLE.matcher(table).matches()) {
            throw new AccessDeniedException("'" + table + "' is not a table name; nothing is removed");
        }
        Path dir = new Path(userDirectory, table);
        if (!dir.getParent().toUri().getPath().equals(new Path(userDirectory).toUri().getPath())) {
            throw new AccessDeniedException(dir + " is not in " + userDirectory + "; nothing is removed");
        }
        try {
            fs.delete(dir, true);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot remove the files of dropped table " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The tables whose files are in a workspace directory (directories named like a table, with data files). */
    List<String> tablesIn(String dir) {
        List<String> out = new ArrayList<>();
        try {
            if (!fs.exists(new Path(dir))) {
                return out;
            }
            for (FileStatus s : fs.listStatus(new Path(dir))) {
                String name = s.getPath().getName();
                if (s.isDirectory() && TABLE.matcher(name).matches() && hasDataFiles(s.getPath())) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot list the workspace " + dir + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    private boolean hasDataFiles(Path dir) throws IOException {
        for (FileStatus f : fs.listStatus(dir)) {
            String n = f.getPath().getName();
            if (f.isFile() && !n.startsWith("_") && !n.startsWith(".") && n.endsWith(".parquet")) {
                return true;
            }
        }
        return false;
    }

    private String writer(Path path) {
        try {
            Map<String, byte[]> attrs = fs.getXAttrs(path);
            byte[] v = attrs == null ? null : attrs.get(WRITER);
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
