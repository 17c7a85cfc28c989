package jp.nmi.enclave.api;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The egress service's marks of open requests on HDFS, {@code <root>/egress/pending/<project>/<request>},
 * and the quarantine beside them: the one place that writes, reads and removes them. The egress
 * service marks a request when it is created and clears the mark when it is decided; enclave-core
 * reads the marks through {@link EgressExports} before it closes a project.
 */
public final class PendingExports implements EgressExports {
    private final FileSystem fs;
    private final EnclaveLayout layout;

    public PendingExports(FileSystem fs, EnclaveLayout layout) {
        this.fs = requireNonNull(fs, "fs is null");
        this.layout = requireNonNull(layout, "layout is null");
    }

    /**
     * Marks a request open: an empty directory named after it, made with its parents in one
     * NameNode call (a file would take three), because it is written on the path of every new request.
     */
    public void mark(String project, String request) {
        try {
            // group bits: the mask of the ACL that lets the enclave's account read the marks (a closure asks) and destroy them
            if (!fs.mkdirs(markOf(project, request), new FsPermission((short) 0770))) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot mark " + request + " pending: " + e.getMessage(), e);
        }
    }

    /** Clears a request's mark (a directory since marks are made by {@link #mark}, a file before: either goes). */
    public void clear(String project, String request) {
        try {
            fs.delete(markOf(project, request), false);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot clear the pending mark of " + request + ": " + e.getMessage(), e);
        }
    }

    public boolean isMarked(String project, String request) {
        try {
            return fs.exists(markOf(project, request));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the pending mark of " + request + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> pendingRequests(String project) {
        Path marks = layout.pendingExports(name(project, "project"));
        List<String> out = new ArrayList<>();
        try {
            if (fs.exists(marks)) {
                for (FileStatus s : fs.listStatus(marks)) {
                    out.add(s.getPath().getName());
                }
            }
        } catch (IOException e) {
            // unknown is not "none": refuse rather than destroy what may still be under review
            throw new EnclaveStorageException("cannot tell whether export requests of " + project + " are pending: " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    @Override
    public List<Path> holdings(String project, List<String> requests) {
        List<Path> out = new ArrayList<>();
        for (String request : requests) {
            out.add(new Path(layout.quarantine(), name(request, "request")));
        }
        if (!requests.isEmpty()) {
            out.add(layout.pendingExports(name(project, "project")));
        }
        return List.copyOf(out);
    }

    private Path markOf(String project, String request) {
        return new Path(layout.pendingExports(name(project, "project")), name(request, "request"));
    }

    /** A project or request id as one path element: nothing that could climb out of the marks' directory. */
    private static String name(String id, String what) {
        if (id == null || id.isEmpty() || id.equals(".") || id.equals("..") || id.contains("/") || id.contains(":")) {
            throw new ValidationException("not a " + what + " id: '" + id + "'");
        }
        return id;
    }
}
