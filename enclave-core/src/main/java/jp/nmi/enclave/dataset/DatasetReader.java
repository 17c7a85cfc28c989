package jp.nmi.enclave.dataset;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads a published dataset's rows with Parquet's own reader, only the columns asked for, as
 * {@code Object[]} in the order asked (values as {@link DatasetWriter} takes them).
 */
public final class DatasetReader {
    /** Receives each row. */
    @FunctionalInterface
    public interface RowConsumer {
        void accept(Object[] row) throws IOException;
    }

    private DatasetReader() {}

    /**
     * @param fileSystem {@code hdfs://host:port}
     * @throws IllegalArgumentException if a column is not in the dataset
     */
    public static long scan(Configuration conf, String fileSystem, DatasetRegistry.Entry entry, List<String> columns,
            RowConsumer consumer) throws IOException {
        TableSchema schema = entry.schema();
        List<Column> wanted = new ArrayList<>();
        for (String c : columns) {
            wanted.add(schema.column(c).orElseThrow(() -> new IllegalArgumentException(entry.name() + " has no column " + c)));
        }
        MessageType full = DatasetWriter.messageType(schema);
        List<Type> fields = new ArrayList<>();
        for (Column c : wanted) {
            fields.add(full.getType(c.name()));
        }
        MessageType projection = new MessageType(schema.name(), fields);
        Configuration readConf = new Configuration(conf);
        readConf.set(ReadSupport.PARQUET_READ_SCHEMA, projection.toString());
        long rows = 0;
        String base = fileSystem.replaceAll("/$", "");
        for (DatasetRegistry.DataFile file : entry.files()) {
            Path path = new Path(base + entry.location() + "/" + file.name());
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(readConf).build()) {
                for (Group g = reader.read(); g != null; g = reader.read()) {
                    Object[] row = new Object[wanted.size()];
                    for (int i = 0; i < wanted.size(); i++) {
                        row[i] = value(g, i, wanted.get(i));
                    }
                    consumer.accept(row);
                    rows++;
                }
            }
        }
        return rows;
    }

    private static Object value(Group g, int i, Column c) {
        if (g.getFieldRepetitionCount(i) == 0) {
            return null;
        }
        return switch (c.type()) {
            case STRING -> g.getString(i, 0);
            case INT -> g.getInteger(i, 0);
            case LONG -> g.getLong(i, 0);
            case DOUBLE -> g.getDouble(i, 0);
            case BOOLEAN -> g.getBoolean(i, 0);
            case DATE -> LocalDate.ofEpochDay(g.getInteger(i, 0));
            case STRING_ARRAY -> {
                Group list = g.getGroup(i, 0);
                List<String> values = new ArrayList<>();
                for (int j = 0; j < list.getFieldRepetitionCount(0); j++) {
                    Group element = list.getGroup(0, j);
                    values.add(element.getFieldRepetitionCount(0) == 0 ? null : element.getString(0, 0));
                }
                yield values;
            }
        };
    }
}
