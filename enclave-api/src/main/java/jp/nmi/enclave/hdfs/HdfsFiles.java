package jp.nmi.enclave.hdfs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import jp.nmi.enclave.error.EnclaveStorageException;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/** Small HDFS operations the enclave repeats: atomic replacement of a file, directories with modes. */
public final class HdfsFiles {
    private HdfsFiles() {}

    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} through a temporary sibling and renames it over the old file in one
     * atomic step: readers see the old content or the new, never a mixture.
     */
    public static void writeAtomically(EnclaveStorage storage, Path target, Content content) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            storage.fs().mkdirs(target.getParent());
            try (FSDataOutputStream out = storage.fs().create(tmp, false)) {
                // Writers such as Jackson close what they are given; the stream must stay open for hsync.
                content.writeTo(new java.io.FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                });
                out.hsync();
            }
            storage.fileContext().rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (IOException e) {
            try {
                storage.fs().delete(tmp, false);
            } catch (IOException ignored) {
                // the temporary file is invisible to readers; the next write replaces it anyway
            }
            throw new EnclaveStorageException("cannot write " + target + ": " + e, e);
        }
    }

    /** Creates {@code dir} (and parents) and sets its mode. */
    public static void mkdirs(EnclaveStorage storage, Path dir, int mode) {
        try {
            storage.fs().mkdirs(dir);
            storage.fs().setPermission(dir, new FsPermission((short) mode));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
