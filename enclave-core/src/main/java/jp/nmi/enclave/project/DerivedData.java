package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.AtomicRename;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A project's derived data — the members' workspace tables and the files in its outbox — and the
 * participants who opted out since it was made (提供停止 reaches derived data too). Sessions hide
 * those rows from the next statement; {@code project apply} removes them from the files:
 *
 * <ul>
 *   <li>Parquet (workspace tables, directory exports): every row with a string value, anywhere
 *       in it (arrays and structs included), equal to an opted-out participant's project
 *       pseudonym is dropped;
 *   <li>text (csv, tsv, json, txt, md): every line that contains such a pseudonym is dropped;
 *   <li>anything else (pictures) cannot be read for pseudonyms: it is listed, never changed.
 * </ul>
 *
 * A pseudonym the analyst transformed (cut, hashed, concatenated) is not recognised; outputs made by
 * {@code export} hold aggregates, not pseudonyms. The workspace's generation marker changes when
 * files are rewritten, so that open sessions list them again.
 */
public final class DerivedData {
    /** One file that holds rows of opted-out participants. */
    public record Affected(String path, long rows, String kind) {}

    /** What the project's derived data holds of opted-out participants. */
    public record Report(List<Affected> affected, List<String> unreadable) {
        public long rows() {
            return affected.stream().mapToLong(Affected::rows).sum();
        }

        public boolean isEmpty() {
            return affected.isEmpty();
        }

        /** As a plan shows it: rows per file, grouped. */
        public String describe() {
            List<String> parts = new ArrayList<>();
            for (Affected a : affected) {
                parts.add(a.path() + " " + a.rows() + " " + a.kind());
            }
            return rows() + " row(s) of participants who opted out, removed from " + affected.size() + " file(s): "
                    + String.join(", ", parts) + (unreadable.isEmpty() ? "" : "; not readable for pseudonyms, left as they are: "
                    + String.join(", ", unreadable));
        }
    }

    /** Touched when derived files are rewritten: open sessions list their workspace tables again. */
    public static final String GENERATION = ".generation";
    private static final Set<String> TEXT = Set.of("csv", "tsv", "json", "txt", "md");

    private final EnclaveStorage storage;

    public DerivedData(EnclaveStorage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    /** What a purge would remove. Changes nothing. */
    public Report scan(Path projectDir, Set<String> optedOut, Map<String, Set<String>> hiddenByUser) {
        return walk(projectDir, optedOut, hiddenByUser, false);
    }

    /**
     * Removes the rows of {@code optedOut} from the project's derived data, and from each member's
     * workspace the rows of the participants that member may no longer see ({@code hiddenByUser}:
     * an industry member's, after a participant withdrew consent to commercial use).
     */
    public Report purge(Path projectDir, Set<String> optedOut, Map<String, Set<String>> hiddenByUser) {
        Report r = walk(projectDir, optedOut, hiddenByUser, true);
        if (!r.isEmpty()) {
            try (OutputStream out = storage.fs().create(new Path(new Path(projectDir, "workspace"), GENERATION), true)) {
                out.write(Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot mark the workspace of " + projectDir + " as rewritten: " + e.getMessage(), e);
            }
        }
        return r;
    }

    private Report walk(Path projectDir, Set<String> optedOut, Map<String, Set<String>> hiddenByUser, boolean rewrite) {
        List<Affected> affected = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        if (rewrite) {
            removeUnfinished(projectDir);
        }
        if (optedOut.isEmpty() && hiddenByUser.values().stream().allMatch(Set::isEmpty)) {
            return new Report(affected, unreadable);
        }
        eachFile(projectDir, "read the derived data of", (f, relative) -> {
            String name = f.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_") || relative.contains("/.")) {
                return; // markers, records of checks, Spark's _SUCCESS
            }
            String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
            Set<String> gone = gone(relative, optedOut, hiddenByUser);
            if (gone.isEmpty()) {
                return;
            }
            if (ext.equals("parquet") || TEXT.contains(ext)) {
                long rows = purgeOne(f, ext, gone, rewrite, relative);
                if (rows > 0) {
                    affected.add(new Affected(relative, rows, ext.equals("parquet") ? "row(s)" : "line(s)"));
                }
            } else {
                unreadable.add(relative);
            }
        });
        return new Report(affected, unreadable);
    }

    /** What is done with one file of the derived data, given its path from the project ({@code workspace/...}, {@code outbox/...}). */
    private interface FileVisitor {
        void visit(FileStatus file, String relative) throws IOException;
    }

    /** Visits every file of the project's derived data: its workspace and its outbox, dot files included. */
    private void eachFile(Path projectDir, String what, FileVisitor visitor) {
        FileSystem fs = storage.fs();
        for (String area : List.of("workspace", "outbox")) {
            Path root = new Path(projectDir, area);
            try {
                if (!fs.exists(root)) {
                    continue;
                }
                RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
                while (files.hasNext()) {
                    FileStatus f = files.next();
                    visitor.visit(f, area + f.getPath().toUri().getPath().substring(root.toUri().getPath().length()));
                }
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot " + what + " " + projectDir + ": " + e.getMessage(), e);
            }
        }
    }

    /** Exports and purges that stopped half way leave dot files; after this long nobody is writing them any more. */
    private static final String PURGING = ".purging";
    static final java.time.Duration UNFINISHED = java.time.Duration.ofHours(1);

    /**
     * Removes what exports ({@code .<name>.<id>.staged}) and purges ({@code .<name>.purging}) left when
     * they stopped half way, older than {@link #UNFINISHED}: nobody reads them (dot names), and they
     * may hold rows of participants who opted out since, which only removal reaches.
     */
    private void removeUnfinished(Path projectDir) {
        FileSystem fs = storage.fs();
        try {
            if (!fs.exists(projectDir)) {
                return;
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + projectDir + ": " + e.getMessage(), e);
        }
        long before = nameNodeNow(projectDir) - UNFINISHED.toMillis();
        eachFile(projectDir, "remove unfinished files from", (f, relative) -> {
            String name = f.getPath().getName();
            if (name.startsWith(".") && (name.endsWith(jp.nmi.enclave.output.OutputExporter.STAGED_SUFFIX) || name.endsWith(PURGING))
                    && f.getModificationTime() < before) {
                fs.delete(f.getPath(), false);
            }
        });
    }

    /** The NameNode's time, which stamps the files, whatever this host's clock says: a probe file's modification time. */
    private long nameNodeNow(Path projectDir) {
        FileSystem fs = storage.fs();
        Path probe = new Path(projectDir, ".clock-" + java.util.UUID.randomUUID());
        try {
            try (OutputStream out = fs.create(probe, false)) {
                // empty: only its time is read
            }
            return fs.getFileStatus(probe).getModificationTime();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the time of " + projectDir + "'s storage: " + e.getMessage(), e);
        } finally {
            try {
                fs.delete(probe, false);
            } catch (IOException e) {
                // a probe left behind is an empty dot file
            }
        }
    }

    /** Whose rows leave a file: everyone who opted out, and in a member's workspace whom that member may no longer see. */
    private static Set<String> gone(String relative, Set<String> optedOut, Map<String, Set<String>> hiddenByUser) {
        String prefix = "workspace/users/";
        if (!relative.startsWith(prefix)) {
            return optedOut;
        }
        String rest = relative.substring(prefix.length());
        String user = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
        Set<String> hidden = hiddenByUser.getOrDefault(user, Set.of());
        if (hidden.isEmpty()) {
            return optedOut;
        }
        Set<String> all = new java.util.HashSet<>(optedOut);
        all.addAll(hidden);
        return all;
    }

    private long text(FileStatus read, Set<String> optedOut, boolean rewrite) throws IOException {
        FileSystem fs = storage.fs();
        Path file = read.getPath();
        List<String> kept = new ArrayList<>();
        long dropped = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (containsAny(line, optedOut)) {
                    dropped++;
                } else {
                    kept.add(line);
                }
            }
        }
        if (dropped > 0 && rewrite) {
            Path tmp = new Path(file.getParent(), "." + file.getName() + PURGING);
            try (OutputStream out = fs.create(tmp, true)) {
                for (String line : kept) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            replace(read, tmp);
        }
        return dropped;
    }

    private long parquet(FileStatus read, Set<String> optedOut, boolean rewrite) throws IOException {
        FileSystem fs = storage.fs();
        Path file = read.getPath();
        MessageType schema;
        Map<String, String> metadata;
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(file, storage.configuration()))) {
            schema = footer.getFileMetaData().getSchema();
            metadata = new java.util.HashMap<>(footer.getFileMetaData().getKeyValueMetaData());
        }
        // the writer sets its own model name: a file rewritten once before carries one already, and a second rewrite
        // with it would be refused ("Cannot overwrite metadata key writer.model.name")
        metadata.remove("writer.model.name");
        long dropped = 0;
        Path tmp = new Path(file.getParent(), "." + file.getName() + PURGING);
        ParquetWriter<Group> writer = null;
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file).withConf(storage.configuration()).build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                if (holdsAny(g, optedOut)) {
                    dropped++;
                    continue;
                }
                if (rewrite) {
                    if (writer == null) {
                        writer = ExampleParquetWriter.builder(HadoopOutputs.path(tmp, storage.configuration()))
                                .withConf(storage.configuration()).withType(schema).withExtraMetaData(metadata)
                                .withCompressionCodec(CompressionCodecName.SNAPPY).withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
                                .build();
                    }
                    writer.write(g);
                }
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        if (dropped > 0 && rewrite) {
            if (writer == null) {
                // every row went: an empty file of the same schema
                try (ParquetWriter<Group> empty = ExampleParquetWriter.builder(HadoopOutputs.path(tmp, storage.configuration()))
                        .withConf(storage.configuration()).withType(schema).withExtraMetaData(metadata)
                        .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE).build()) {
                    // no rows
                }
            }
            replace(read, tmp);
        }
        return dropped;
    }

    private void replace(FileStatus read, Path tmp) throws IOException {
        FileSystem fs = storage.fs();
        Path file = read.getPath();
        FileStatus before = read;
        fs.setPermission(tmp, before.getPermission());
        // who wrote or exported it stays recorded on the purged copy (user.enclave.writer, user.enclave.exporter)
        java.util.Map<String, byte[]> attrs = fs.getXAttrs(file);
        if (attrs != null) {
            for (java.util.Map.Entry<String, byte[]> a : attrs.entrySet()) {
                if (a.getKey().startsWith("user.enclave.")) {
                    fs.setXAttr(tmp, a.getKey(), a.getValue());
                }
            }
        }
        // one step: the file is never missing, so a new export cannot take its name in between; and a file its
        // exporter replaced while it was read is not overwritten with a purged copy of the old one (it is read again).
        // A replacement between this check and the rename is not caught: that export is lost (its record then no
        // longer verifies, and the egress service refuses it).
        if (!sameFile(read, fs.getFileStatus(file)) || !AtomicRename.rename(fs, tmp, file, org.apache.hadoop.fs.Options.Rename.OVERWRITE)) {
            fs.delete(tmp, false);
            throw new ChangedWhileRead();
        }
    }

    /** How often a file replaced while it was purged is read again before the apply gives up. */
    private static final int ATTEMPTS = 3;

    /**
     * Purges one file, reading it again if it was replaced meanwhile (an export, a statement): the rows
     * must be gone before the apply goes on (the new state stops hiding them), so a file that keeps
     * changing fails the apply, which leaves the old extract in force.
     */
    private long purgeOne(FileStatus f, String ext, Set<String> gone, boolean rewrite, String relative) throws IOException {
        FileStatus current = f;
        for (int attempt = 1; ; attempt++) {
            try {
                return ext.equals("parquet") ? parquet(current, gone, rewrite) : text(current, gone, rewrite);
            } catch (ChangedWhileRead e) {
                if (attempt == ATTEMPTS) {
                    throw new EnclaveStorageException(relative + " was replaced " + ATTEMPTS + " times while its rows of participants"
                            + " who left were being removed; nothing is in force yet: apply again", e);
                }
                current = storage.fs().getFileStatus(f.getPath());
            }
        }
    }

    /** A file replaced while it was being purged: read again ({@link #purgeOne}). */
    private static final class ChangedWhileRead extends IOException {
        ChangedWhileRead() {
            super("changed while it was read");
        }
    }

    /** Whether two statuses are of one file, unchanged: HDFS's inode id where there is one, and its time and length. */
    private static boolean sameFile(FileStatus a, FileStatus b) {
        if (a instanceof org.apache.hadoop.hdfs.protocol.HdfsFileStatus ha && b instanceof org.apache.hadoop.hdfs.protocol.HdfsFileStatus hb
                && ha.getFileId() != hb.getFileId()) {
            return false;
        }
        return a.getModificationTime() == b.getModificationTime() && a.getLen() == b.getLen();
    }

    private static boolean holdsAny(Group g, Set<String> ids) {
        GroupType type = g.getType();
        for (int field = 0; field < type.getFieldCount(); field++) {
            Type t = type.getType(field);
            int n = g.getFieldRepetitionCount(field);
            for (int i = 0; i < n; i++) {
                if (t.isPrimitive()) {
                    if (t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
                            && ids.contains(g.getBinary(field, i).toStringUsingUTF8())) {
                        return true;
                    }
                } else if (holdsAny(g.getGroup(field, i), ids)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean containsAny(String line, Set<String> ids) {
        for (String id : ids) {
            if (line.contains(id)) {
                return true;
            }
        }
        return false;
    }

    /** Parquet's output file over Hadoop's API. */
    private static final class HadoopOutputs {
        static org.apache.parquet.io.OutputFile path(Path path, org.apache.hadoop.conf.Configuration conf) throws IOException {
            return org.apache.parquet.hadoop.util.HadoopOutputFile.fromPath(path, conf);
        }
    }
}
