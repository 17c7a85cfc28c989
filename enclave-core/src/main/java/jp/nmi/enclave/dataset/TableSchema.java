package jp.nmi.enclave.dataset;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/** The columns of one dataset, in storage order. */
public record TableSchema(String name, List<Column> columns) {
    public TableSchema {
        requireNonNull(name, "name is null");
        columns = List.copyOf(requireNonNull(columns, "columns is null"));
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + name + " has no columns");
        }
        if (columns.stream().map(Column::name).distinct().count() != columns.size()) {
            throw new IllegalArgumentException("table " + name + " repeats a column name");
        }
    }

    public Optional<Column> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    public int indexOf(String columnName) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(columnName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + name + " has no column " + columnName);
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }
}
