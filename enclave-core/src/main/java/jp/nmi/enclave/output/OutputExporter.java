package jp.nmi.enclave.output;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.List;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureChecker;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * Makes an output inside the enclave (ARCHITECTURE.md section 4, the first of the two checks): runs
 * a governed query for the analyst, builds the table of an output spec from its rows (each row
 * carrying the participant it belongs to), runs every disclosure check of the project's profile
 * where the contributors are known, and writes the table to the project's outbox with a signed
 * record of the checks beside it. The egress service verifies the record and checks again.
 */
public final class OutputExporter {
    /** Where the contributor of each row is: a column the query must return. */
    public static final String CONTRIBUTOR = "participant_id";

    private final EnclaveSession session;
    private final EnclaveStorage storage;
    private final byte[] signingKey;

    public OutputExporter(EnclaveSession session, EnclaveStorage storage, byte[] signingKey) {
        this.session = requireNonNull(session, "session is null");
        this.storage = requireNonNull(storage, "storage is null");
        this.signingKey = requireNonNull(signingKey, "signingKey is null").clone();
    }

    /**
     * @param name the output's file name in the outbox ({@code something.csv})
     * @return the report of the checks, as recorded
     * @throws AccessDeniedException if the query is denied
     * @throws ValidationException if the query fails, returns no participant_id, or the spec does not fit it
     */
    public Report export(String user, String profileName, String query, String spec, boolean suppress, String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,100}\\.csv")) {
            throw new ValidationException("--name '" + name + "' must be a file name ending in .csv (letters, digits, . _ -)");
        }
        StatementResult r = session.execute(user, query);
        if (r.status() == StatementResult.Status.DENIED) {
            throw new AccessDeniedException(r.message().replaceFirst("^" + java.util.regex.Pattern.quote(AccessDeniedException.PREFIX), ""));
        }
        if (!r.isOk()) {
            throw new ValidationException("the query failed: " + r.message());
        }
        if (r.truncated()) {
            throw new ValidationException("the query returned more rows than the session allows (" + r.message() + ")");
        }
        if (!r.columns().contains(CONTRIBUTOR)) {
            throw new ValidationException("the query must return " + CONTRIBUTOR + " with every row, so that the checks know who"
                    + " contributes to each cell (columns: " + String.join(", ", r.columns()) + ")");
        }
        List<String[]> rows = new ArrayList<>(r.rows().size());
        for (List<Object> row : r.rows()) {
            String[] cells = new String[row.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = row.get(i) == null ? "" : row.get(i).toString();
            }
            rows.add(cells);
        }
        Report report = DisclosureChecker.check(Profile.named(profileName), new Data(r.columns(), rows), spec,
                new DisclosureChecker.Options(suppress, null, null, null));
        byte[] csv = OutputRecord.csv(report);
        OutputRecord record = OutputRecord.create(signingKey, session.project().scope().projectId(), name, csv, user, report);
        Path outbox = new Path(session.project().scope().outboxPath());
        writeAs(user, new Path(outbox, name), csv);
        writeAs(user, new Path(new Path(outbox, OutputRecord.DIRECTORY), name + ".json"), record.toJson());
        return report;
    }

    /** Writes as the analyst: the outbox's ACLs decide, as for anything else they write. */
    private void writeAs(String user, Path path, byte[] bytes) {
        try {
            FileSystem fs = UserGroupInformation.createRemoteUser(user).doAs((PrivilegedExceptionAction<FileSystem>) () ->
                    FileSystem.newInstance(storage.fileSystemUri(), storage.configuration()));
            try (fs; FSDataOutputStream out = fs.create(path, true)) {
                out.write(bytes);
                out.hsync();
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot write " + path + " as " + user + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnclaveStorageException("interrupted while writing " + path, e);
        }
    }
}
