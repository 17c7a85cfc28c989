package jp.nmi.enclave.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/** Reads a published dataset back with Parquet's own reader: every row as column name to value. */
public final class ParquetScan {
    private ParquetScan() {}

    public static List<Map<String, Object>> rows(EnclaveStorage storage, DatasetRegistry.Entry entry) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (DatasetRegistry.DataFile file : entry.files()) {
            rows.addAll(rows(storage, new Path(storage.fileSystemUri().toString() + entry.location() + "/" + file.name())));
        }
        return rows;
    }

    /** The rows of one Parquet file (a member's derived table, say). */
    public static List<Map<String, Object>> rows(EnclaveStorage storage, Path path) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(storage.configuration()).build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                rows.add(toMap(g));
            }
        }
        return rows;
    }

    /** Every string value in the dataset, array elements included. */
    public static List<String> strings(EnclaveStorage storage, DatasetRegistry.Entry entry) throws IOException {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> row : rows(storage, entry)) {
            for (Object v : row.values()) {
                if (v instanceof String s) {
                    out.add(s);
                } else if (v instanceof List<?> list) {
                    list.forEach(e -> out.add(String.valueOf(e)));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> toMap(Group g) {
        Map<String, Object> row = new LinkedHashMap<>();
        GroupType type = g.getType();
        for (int i = 0; i < type.getFieldCount(); i++) {
            Type field = type.getType(i);
            if (g.getFieldRepetitionCount(i) == 0) {
                row.put(field.getName(), null);
                continue;
            }
            if (field.isPrimitive()) {
                row.put(field.getName(), primitive(g, i, field.asPrimitiveType()));
            } else {
                // a 3-level list: <name> (LIST) { repeated group list { optional element } }
                Group listGroup = g.getGroup(i, 0);
                List<Object> values = new ArrayList<>();
                int n = listGroup.getFieldRepetitionCount(0);
                for (int j = 0; j < n; j++) {
                    Group element = listGroup.getGroup(0, j);
                    values.add(element.getFieldRepetitionCount(0) == 0 ? null : element.getString(0, 0));
                }
                row.put(field.getName(), values);
            }
        }
        return row;
    }

    private static Object primitive(Group g, int i, PrimitiveType type) {
        return switch (type.getPrimitiveTypeName()) {
            case BINARY -> g.getString(i, 0);
            case INT32 -> type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
                    ? java.time.LocalDate.ofEpochDay(g.getInteger(i, 0)) : (Object) g.getInteger(i, 0);
            case INT64 -> g.getLong(i, 0);
            case DOUBLE -> g.getDouble(i, 0);
            case BOOLEAN -> g.getBoolean(i, 0);
            default -> throw new IllegalStateException("unexpected type " + type);
        };
    }
}
