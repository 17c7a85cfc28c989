package jp.nmi.enclave.hdfs;

import java.io.IOException;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * A rename that is one step on the NameNode (HDFS), with the semantics said: {@code FileSystem.rename}
 * moves a file into a directory that holds the target's name and overwrites nothing, and its
 * boolean cannot say which happened. Here {@link Options.Rename#NONE} fails if anything holds the
 * name, and {@link Options.Rename#OVERWRITE} replaces a file in one step (never a directory).
 */
public final class AtomicRename {
    private AtomicRename() {}

    /**
     * Renames {@code src} to {@code dst}.
     *
     * @return false if {@code dst} exists ({@code NONE}) or is of the other kind (a directory for a file)
     * @throws IOException if the filesystem fails otherwise ({@code src} gone, {@code dst}'s parent missing, a
     *     directory that is not empty)
     */
    public static boolean rename(FileSystem fs, Path src, Path dst, Options.Rename how) throws IOException {
        try {
            if (fs instanceof DistributedFileSystem dfs) {
                dfs.rename(src, dst, how);
            } else {
                // other filesystems (local ones in tools): FileContext's rename, with the same outcomes but checked and done in
                // two steps, so not atomic; the enclave's data is on HDFS (a MiniDFSCluster when embedded)
                FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(fs.makeQualified(src), fs.makeQualified(dst), how);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            // HDFS checks that source and target are of one kind (file, directory) before whether it may overwrite
            if (fs.exists(dst) && fs.getFileStatus(dst).isDirectory() != fs.getFileStatus(src).isDirectory()) {
                return false;
            }
            throw e;
        }
    }
}
