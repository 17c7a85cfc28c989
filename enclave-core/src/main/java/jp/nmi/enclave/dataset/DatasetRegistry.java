package jp.nmi.enclave.dataset;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * The published datasets: what ingest last committed. Readers resolve every dataset through this
 * registry, never by listing directories, so a half-finished ingest is invisible.
 *
 * @param format registry format version
 * @param publication the ingest run that published it
 * @param publishedAt ISO-8601 instant
 * @param datasets one entry per dataset
 */
public record DatasetRegistry(int format, String publication, String publishedAt, List<Entry> datasets) {
    public static final int FORMAT = 1;

    public DatasetRegistry {
        requireNonNull(publication, "publication is null");
        requireNonNull(publishedAt, "publishedAt is null");
        datasets = List.copyOf(requireNonNull(datasets, "datasets is null"));
    }

    public Optional<Entry> dataset(String name) {
        return datasets.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /**
     * One published dataset.
     *
     * @param name dataset name, e.g. {@code participants}
     * @param snapshot the publication that wrote its files
     * @param location the directory of its Parquet files, a path without scheme or authority
     * @param columns its columns with type and sensitivity tags
     * @param rowCount rows over all files
     * @param contentHash {@code sha256:} of the lines {@code "<file> <sha256>\n"} in file-name order
     * @param ingestedAt ISO-8601 instant
     * @param files its Parquet files
     */
    public record Entry(String name, String snapshot, String location, List<Column> columns, long rowCount,
            String contentHash, String ingestedAt, List<DataFile> files) {
        public Entry {
            requireNonNull(name, "name is null");
            requireNonNull(location, "location is null");
            columns = List.copyOf(requireNonNull(columns, "columns is null"));
            files = List.copyOf(requireNonNull(files, "files is null"));
        }

        public TableSchema schema() {
            return new TableSchema(name, columns);
        }
    }

    /** One Parquet file of a dataset. */
    public record DataFile(String name, long rows, long bytes, String sha256) {}
}
