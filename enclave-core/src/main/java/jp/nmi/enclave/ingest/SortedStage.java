package jp.nmi.enclave.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetWriter;
import jp.nmi.enclave.dataset.TableSchema;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Buffers a file's worth of rows, sorts them, and writes them. Sorting by pseudonym means the order
 * of rows in a dataset says nothing about the order of the source (which follows patient numbers
 * and therefore registration order).
 */
final class SortedStage implements AutoCloseable {
    /** Compares rows column by column, nulls first. */
    static final Comparator<Object[]> BY_ALL_COLUMNS = (a, b) -> {
        for (int i = 0; i < a.length; i++) {
            int c = compareValues(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    private final DatasetWriter writer;
    private final long rowsPerFile;
    private final Comparator<Object[]> order;
    private final List<Object[]> buffer = new ArrayList<>();

    SortedStage(Configuration conf, Path dir, TableSchema schema, long rowsPerFile, Comparator<Object[]> order) {
        this.writer = new DatasetWriter(conf, dir, schema, rowsPerFile);
        this.rowsPerFile = rowsPerFile;
        this.order = order;
    }

    void add(Object[] row) throws IOException {
        buffer.add(row);
        if (buffer.size() >= rowsPerFile) {
            flush();
        }
    }

    List<DatasetRegistry.DataFile> finish() throws IOException {
        flush();
        return writer.finish();
    }

    long rows() {
        return writer.rows() + buffer.size();
    }

    private void flush() throws IOException {
        buffer.sort(order);
        for (Object[] row : buffer) {
            writer.write(row);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareValues(Object a, Object b) {
        if (a == b) {
            return 0;
        }
        if (a == null) {
            return -1;
        }
        if (b == null) {
            return 1;
        }
        if (a instanceof Comparable ca) {
            return ca.compareTo(b);
        }
        return a.toString().compareTo(b.toString());
    }
}
