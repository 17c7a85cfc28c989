package jp.nmi.enclave.hdfs;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import jp.nmi.enclave.api.EnclaveLayout;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An open connection to the enclave's HDFS: the file system, its configuration, and the layout
 * under the enclave root. Closing it stops the embedded HDFS if this process started it (see
 * {@code EmbeddedStorage} in enclave-core, which starts one).
 */
public final class EnclaveStorage implements AutoCloseable {
    private final FileSystem fs;
    private final Configuration conf;
    private final EnclaveLayout layout;
    private final URI fsUri;
    private final AutoCloseable owned;

    private EnclaveStorage(FileSystem fs, Configuration conf, URI fsUri, Path root, AutoCloseable owned) {
        this.fs = fs;
        this.conf = conf;
        this.fsUri = fsUri;
        this.layout = new EnclaveLayout(root);
        this.owned = owned;
    }

    /**
     * Connects to a running HDFS, e.g. {@code hdfs://namenode:8020/enclave}. The path is the enclave
     * root; it defaults to {@code /enclave}.
     *
     * @throws ValidationException if the URI is not an {@code hdfs://} (or {@code file://}) URI
     */
    public static EnclaveStorage connect(URI target) {
        requireNonNull(target, "target is null");
        if (target.getScheme() == null || !(target.getScheme().equals("hdfs") || target.getScheme().equals("file"))) {
            throw new ValidationException("--target must be an hdfs:// URI such as hdfs://127.0.0.1:8020/enclave, got '"
                    + target + "'");
        }
        String rootPath = target.getPath() == null || target.getPath().isEmpty() || target.getPath().equals("/")
                ? "/enclave" : target.getPath();
        try {
            URI fsUri = new URI(target.getScheme(), target.getAuthority(), "/", null, null);
            return open(HdfsConfigurations.base(), fsUri, rootPath, null);
        } catch (URISyntaxException e) {
            throw new ValidationException("--target '" + target + "' is not a valid URI: " + e.getMessage());
        }
    }

    /**
     * Connects to the HDFS that an enclave process (./enclave up) serves from {@code dir}; never
     * starts one (a notebook interpreter must not bring up a second HDFS over the same files).
     *
     * @throws EnclaveStorageException if no process serves the directory
     */
    public static EnclaveStorage running(java.nio.file.Path dir) {
        requireNonNull(dir, "dir is null");
        java.nio.file.Path runFile = runFile(dir);
        try {
            URI running = URI.create(Files.readString(runFile).trim());
            if (isReachable(running)) {
                return open(HdfsConfigurations.base(), running, "/enclave", null);
            }
            throw new EnclaveStorageException("the enclave's HDFS in " + dir + " (" + running + ") does not answer: is ./enclave up running?");
        } catch (IOException | IllegalArgumentException e) {
            throw new EnclaveStorageException("no enclave process serves " + dir + " (" + runFile + " cannot be read: " + e.getMessage()
                    + "): start it with ./enclave up", e);
        }
    }

    /**
     * The HDFS an enclave process already serves from {@code dir}, if one answers (a stale run file
     * from a process that died is no answer). Starting one is {@code EmbeddedStorage}'s, in enclave-core.
     */
    public static java.util.Optional<EnclaveStorage> servedFrom(java.nio.file.Path dir) {
        requireNonNull(dir, "dir is null");
        java.nio.file.Path runFile = runFile(dir);
        if (Files.exists(runFile)) {
            try {
                URI running = URI.create(Files.readString(runFile).trim());
                if (isReachable(running)) {
                    return java.util.Optional.of(open(HdfsConfigurations.base(), running, "/enclave", null));
                }
            } catch (IOException | IllegalArgumentException e) {
                // a stale run file from a process that died: none is served
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * A connection to {@code fsUri} with the enclave under {@code root}, which stops {@code owned}
     * (an HDFS this process started) when closed.
     */
    public static EnclaveStorage owning(Configuration conf, URI fsUri, String root, AutoCloseable owned) {
        return open(conf, fsUri, root, requireNonNull(owned, "owned is null"));
    }

    /**
     * Records that this process serves the embedded HDFS of {@code dir}, so that other commands on
     * the same directory connect to it instead of starting a second one.
     */
    public void advertise(java.nio.file.Path dir) {
        java.nio.file.Path runFile = runFile(dir);
        try {
            Files.createDirectories(runFile.getParent());
            java.nio.file.Path tmp = runFile.resolveSibling("hdfs.uri.tmp");
            Files.writeString(tmp, fsUri.toString());
            Files.move(tmp, runFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            runFile.toFile().deleteOnExit();
            advertised = runFile;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot write " + runFile + ": " + e.getMessage(), e);
        }
    }

    private static java.nio.file.Path runFile(java.nio.file.Path dir) {
        return dir.toAbsolutePath().resolve("run").resolve("hdfs.uri");
    }

    private static boolean isReachable(URI uri) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static EnclaveStorage open(Configuration conf, URI fsUri, String root, AutoCloseable owned) {
        try {
            conf.set("fs.defaultFS", fsUri.toString());
            FileSystem fs = FileSystem.get(fsUri, conf);
            return new EnclaveStorage(fs, conf, fsUri, new Path(fsUri.resolve(root)), owned);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot connect to " + fsUri + ": " + e.getMessage(), e);
        }
    }

    /** Whether this process started the embedded HDFS (and stops it on close). */
    public boolean isOwner() {
        return owned != null;
    }

    public FileSystem fs() {
        return fs;
    }

    /** A FileContext over the same file system: the API with atomic overwrite-rename. */
    public FileContext fileContext() {
        try {
            return FileContext.getFileContext(fsUri, conf);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot open " + fsUri + ": " + e.getMessage(), e);
        }
    }

    /** A copy of the client configuration, for Spark or for acting as another user. */
    public Configuration configuration() {
        return new Configuration(conf);
    }

    public EnclaveLayout layout() {
        return layout;
    }

    /** {@code hdfs://host:port} of the file system. */
    public URI fileSystemUri() {
        return fsUri;
    }

    private volatile java.nio.file.Path advertised;

    @Override
    public void close() {
        if (advertised != null) {
            try {
                Files.deleteIfExists(advertised);
            } catch (IOException e) {
                // a stale run file is recognised as stale
            }
        }
        try {
            fs.close();
        } catch (IOException e) {
            // closing a client has nothing left to lose
        }
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new EnclaveStorageException("cannot stop the embedded HDFS: " + e.getMessage(), e);
            }
        }
    }
}
