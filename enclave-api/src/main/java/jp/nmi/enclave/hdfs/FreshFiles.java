package jp.nmi.enclave.hdfs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.protocol.HdfsFileStatus;

/**
 * Small files read fresh for every decision (member lists, the user directory) without reading
 * them every time: one metadata call says whether the file is still the one parsed last time (its
 * inode, length and modification time; the enclave replaces such files by a rename, which gives a
 * new inode), and only a changed file is read and parsed again. So a change still takes effect at
 * the next decision.
 *
 * @param <T> what the file parses to
 */
public final class FreshFiles<T> {
    /** Parses a file's bytes. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(InputStream in) throws IOException;
    }

    private record Entry<T>(long fileId, long length, long modified, T value) {}

    private final ConcurrentHashMap<Path, Entry<T>> cache = new ConcurrentHashMap<>();
    private final Parser<T> parser;
    private final int capacity;

    public FreshFiles(Parser<T> parser, int capacity) {
        this.parser = parser;
        this.capacity = capacity;
    }

    /**
     * The file's parsed contents as they are now, or empty if it does not exist.
     *
     * @throws IOException if it cannot be read (permissions included)
     */
    public Optional<T> read(FileSystem fs, Path file) throws IOException {
        // qualified: the same path on another file system (another cluster in the same process) is another file
        Path p = fs.makeQualified(file);
        FileStatus s;
        try {
            s = fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            cache.remove(p);
            return Optional.empty();
        }
        long id = s instanceof HdfsFileStatus h ? h.getFileId() : -1;
        Entry<T> e = cache.get(p);
        if (e != null && id != -1 && e.fileId() == id && e.length() == s.getLen() && e.modified() == s.getModificationTime()) {
            return Optional.of(e.value());
        }
        T value;
        try (InputStream in = fs.open(p)) {
            value = parser.parse(in);
        } catch (FileNotFoundException gone) {
            cache.remove(p);
            return Optional.empty();
        }
        if (cache.size() >= capacity) {
            cache.clear(); // a bound, not a policy: rebuilt from the files at the next reads
        }
        // stored under the identity seen before reading: if the file was replaced in between, the next read sees a new inode
        cache.put(p, new Entry<>(id, s.getLen(), s.getModificationTime(), value));
        return Optional.of(value);
    }
}
