package jp.nmi.enclave.dataset;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/** One column of a dataset: its name, type, and sensitivity tags. */
public record Column(String name, ColumnType type, Set<Sensitivity> tags) {
    public Column {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        tags = Set.copyOf(requireNonNull(tags, "tags is null"));
    }

    public static Column of(String name, ColumnType type, Sensitivity... tags) {
        return new Column(name, type, Set.of(tags));
    }

    public boolean isTagged(Sensitivity tag) {
        return tags.contains(tag);
    }
}
