package jp.nmi.enclave.dataset;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jp.nmi.enclave.error.EnclaveStorageException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Writes one dataset as Parquet files ({@code part-00000.parquet}, ...) into a directory, rolling
 * to a new file every {@code rowsPerFile} rows, and hashes every byte as it goes so that the
 * registry can record each file's SHA-256 without reading it back.
 *
 * <p>Rows are {@code Object[]} in the schema's column order: {@link String} (or a pre-encoded UTF-8
 * {@link Binary}, which saves encoding a value repeated millions of times), {@link Integer},
 * {@link Long}, {@link Double}, {@link Boolean}, {@link LocalDate}, {@code List<String>}, or null.
 * Not thread-safe.
 */
public final class DatasetWriter implements AutoCloseable {
    private final Configuration conf;
    private final Path directory;
    private final TableSchema schema;
    private final MessageType messageType;
    private final long rowsPerFile;
    private final List<DatasetRegistry.DataFile> files = new ArrayList<>();
    private ParquetWriter<Object[]> current;
    private HashingOutputFile currentFile;
    private long rowsInCurrent;
    private long rows;

    public DatasetWriter(Configuration conf, Path directory, TableSchema schema, long rowsPerFile) {
        this.conf = requireNonNull(conf, "conf is null");
        this.directory = requireNonNull(directory, "directory is null");
        this.schema = requireNonNull(schema, "schema is null");
        this.messageType = messageType(schema);
        if (rowsPerFile < 1) {
            throw new IllegalArgumentException("rowsPerFile must be positive");
        }
        this.rowsPerFile = rowsPerFile;
    }

    /** The Parquet schema of a table: every column optional; arrays as standard 3-level lists. */
    public static MessageType messageType(TableSchema schema) {
        Types.MessageTypeBuilder builder = Types.buildMessage();
        for (Column c : schema.columns()) {
            builder.addField(parquetType(c));
        }
        return builder.named(schema.name());
    }

    private static Type parquetType(Column c) {
        return switch (c.type()) {
            case STRING -> Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c.name());
            case INT -> Types.optional(PrimitiveTypeName.INT32).named(c.name());
            case LONG -> Types.optional(PrimitiveTypeName.INT64).named(c.name());
            case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(c.name());
            case BOOLEAN -> Types.optional(PrimitiveTypeName.BOOLEAN).named(c.name());
            case DATE -> Types.optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named(c.name());
            case STRING_ARRAY -> Types.optionalList()
                    .optionalElement(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
                    .named(c.name());
        };
    }

    public void write(Object[] row) throws IOException {
        if (row.length != schema.columns().size()) {
            throw new IllegalArgumentException("row has " + row.length + " values; " + schema.name() + " has "
                    + schema.columns().size() + " columns");
        }
        if (current == null) {
            open();
        }
        current.write(row);
        rowsInCurrent++;
        rows++;
        if (rowsInCurrent >= rowsPerFile) {
            finishFile();
        }
    }

    public long rows() {
        return rows;
    }

    /** Closes the last file and returns every file written. A dataset with no rows still gets one (empty) file. */
    public List<DatasetRegistry.DataFile> finish() throws IOException {
        if (current == null && files.isEmpty()) {
            open();
        }
        finishFile();
        return List.copyOf(files);
    }

    /** {@code sha256:} over {@code "<file> <sha256>\n"} lines in file-name order: the dataset's content hash. */
    public static String contentHash(List<DatasetRegistry.DataFile> files) {
        MessageDigest digest = newSha256();
        files.stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(f ->
                digest.update((f.name() + " " + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8)));
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    private void open() throws IOException {
        Path file = new Path(directory, String.format(Locale.ROOT, "part-%05d.parquet", files.size()));
        currentFile = new HashingOutputFile(HadoopOutputFile.fromPath(file, conf));
        current = new Builder(currentFile, messageType, schema)
                .withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.CREATE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                // pseudonyms are 64-character strings with up to millions of distinct values: a
                // larger dictionary keeps them dictionary-encoded
                // Parquet keeps a column's dictionary only if its *first page* compresses, and
                // it cuts that page by raw size. Pseudonyms are 64 characters with up to millions
                // of distinct values: a 1 MB page (about 15,000 values, nearly all distinct) looks
                // incompressible and the column falls back to plain encoding for good, which made
                // genotypes 25 times larger. 16 MB pages and dictionaries let the repetition show.
                .withPageSize(16 << 20)
                .withDictionaryPageSize(16 << 20)
                .withPageRowCountLimit(1_000_000)
                .withRowGroupSize(128L << 20)
                .build();
        rowsInCurrent = 0;
    }

    private void finishFile() throws IOException {
        if (current == null) {
            return;
        }
        current.close();
        String name = String.format(Locale.ROOT, "part-%05d.parquet", files.size());
        files.add(new DatasetRegistry.DataFile(name, rowsInCurrent, currentFile.bytes(), currentFile.sha256()));
        current = null;
        currentFile = null;
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static final class Builder extends ParquetWriter.Builder<Object[], Builder> {
        private final MessageType messageType;
        private final TableSchema schema;

        Builder(OutputFile file, MessageType messageType, TableSchema schema) {
            super(file);
            this.messageType = messageType;
            this.schema = schema;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Object[]> getWriteSupport(Configuration conf) {
            return new RowWriteSupport(messageType, schema);
        }
    }

    private static final class RowWriteSupport extends WriteSupport<Object[]> {
        private final MessageType messageType;
        private final TableSchema schema;
        private RecordConsumer consumer;

        RowWriteSupport(MessageType messageType, TableSchema schema) {
            this.messageType = messageType;
            this.schema = schema;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(messageType, Map.of("enclave.dataset", schema.name()));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.consumer = recordConsumer;
        }

        @Override
        public void write(Object[] row) {
            consumer.startMessage();
            List<Column> columns = schema.columns();
            for (int i = 0; i < columns.size(); i++) {
                Object value = row[i];
                if (value == null) {
                    continue;
                }
                Column c = columns.get(i);
                consumer.startField(c.name(), i);
                try {
                    writeValue(c, value);
                } catch (ClassCastException e) {
                    throw new IllegalArgumentException(schema.name() + "." + c.name() + " expects " + c.type()
                            + " but got " + value.getClass().getSimpleName(), e);
                }
                consumer.endField(c.name(), i);
            }
            consumer.endMessage();
        }

        private void writeValue(Column c, Object value) {
            switch (c.type()) {
                case STRING -> consumer.addBinary(value instanceof Binary b ? b : Binary.fromString((String) value));
                case INT -> consumer.addInteger((Integer) value);
                case LONG -> consumer.addLong((Long) value);
                case DOUBLE -> consumer.addDouble((Double) value);
                case BOOLEAN -> consumer.addBoolean((Boolean) value);
                case DATE -> consumer.addInteger(Math.toIntExact(((LocalDate) value).toEpochDay()));
                case STRING_ARRAY -> {
                    List<?> list = (List<?>) value;
                    consumer.startGroup();
                    if (!list.isEmpty()) {
                        consumer.startField("list", 0);
                        for (Object element : list) {
                            consumer.startGroup();
                            if (element != null) {
                                consumer.startField("element", 0);
                                consumer.addBinary(Binary.fromString((String) element));
                                consumer.endField("element", 0);
                            }
                            consumer.endGroup();
                        }
                        consumer.endField("list", 0);
                    }
                    consumer.endGroup();
                }
            }
        }
    }

    /** An OutputFile that hashes and counts every byte written through it. */
    private static final class HashingOutputFile implements OutputFile {
        private final OutputFile delegate;
        private final MessageDigest digest = newSha256();
        private long bytes;

        HashingOutputFile(OutputFile delegate) {
            this.delegate = delegate;
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) throws IOException {
            return wrap(delegate.create(blockSizeHint));
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
            throw new EnclaveStorageException("dataset files are never overwritten: " + delegate.getPath());
        }

        @Override
        public boolean supportsBlockSize() {
            return delegate.supportsBlockSize();
        }

        @Override
        public long defaultBlockSize() {
            return delegate.defaultBlockSize();
        }

        @Override
        public String getPath() {
            return delegate.getPath();
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }

        long bytes() {
            return bytes;
        }

        private PositionOutputStream wrap(PositionOutputStream out) {
            return new PositionOutputStream() {
                @Override
                public long getPos() throws IOException {
                    return out.getPos();
                }

                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    digest.update((byte) b);
                    bytes++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    digest.update(b, off, len);
                    bytes += len;
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }
    }
}
