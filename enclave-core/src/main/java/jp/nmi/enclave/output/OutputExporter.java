package jp.nmi.enclave.output;

import jp.nmi.egress.disclosure.RuleId;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureChecker;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.AtomicRename;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

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
        checkName(name);
        Report report = check(user, profileName, query, spec, suppress);
        write(user, name, report);
        return report;
    }

    /** Whether {@code name} may be an output's file name in the outbox. */
    public static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,100}\\.csv")) {
            throw new ValidationException("the output's name '" + name + "' must be a file name ending in .csv (letters, digits, . _ -)");
        }
    }

    /**
     * Runs the query as {@code user}, builds the output {@code spec} describes and runs every check
     * of the profile on it, where each cell's contributors are known. Writes nothing: what the
     * analyst sees before deciding to export.
     *
     * @throws AccessDeniedException if the query is denied
     * @throws ValidationException if the query fails, returns no participant_id, or the spec does not fit it
     */
    public Report check(String user, String profileName, String query, String spec, boolean suppress) {
        return check(profileName, rows(user, query), spec, suppress);
    }

    /** A query's rows as the checks read them, with whether their contributors could be verified. */
    public record Rows(Data data, Check contributors) {}

    /**
     * Runs an output's query as {@code user}: every row with its participant_id, all rows (never
     * capped), the contributors verified.
     *
     * @throws AccessDeniedException if the query is denied
     * @throws ValidationException if the query fails, is too large or returns no participant_id
     */
    public Rows rows(String user, String query) {
        EnclaveSession.ExportRows rows = session.executeForExport(user, query);
        StatementResult r = rows.result();
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
        List<String[]> cellRows = new ArrayList<>(r.rows().size());
        for (List<Object> row : r.rows()) {
            String[] cells = new String[row.size()];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = row.get(i) == null ? "" : row.get(i).toString();
            }
            cellRows.add(cells);
        }
        return new Rows(new Data(r.columns(), cellRows), contributors(user, rows.contributorProblem(), r));
    }

    /** The output {@code spec} describes, made of {@code rows} and checked under the profile. */
    public static Report check(String profileName, Rows rows, String spec, boolean suppress) {
        return DisclosureChecker.check(Profile.named(profileName), rows.data(), spec, new DisclosureChecker.Options(suppress, null, null, null))
                .withCheck(rows.contributors());
    }

    /** Writes a checked output and its signed record to the project's outbox, as {@code user}. */
    public void write(String user, String name, Report report) {
        checkName(name);
        byte[] csv = OutputRecord.csv(report);
        OutputRecord record = OutputRecord.create(signingKey, session.project().scope().projectId(), name, csv, user, report);
        Path outbox = new Path(session.project().scope().outboxPath());
        Path file = new Path(outbox, name);
        // one claim for the file and its record: two exports of one name never leave one's file beside the other's record
        try (AutoCloseable claim = session.claimOutboxName(user, file.toUri().getPath())) {
            writeAs(user, file, csv);
            writeAs(user, new Path(new Path(outbox, OutputRecord.DIRECTORY), name + ".json"), record.toJson());
        } catch (AccessDeniedException | EnclaveStorageException e) {
            throw e;
        } catch (Exception e) {
            throw new EnclaveStorageException("cannot write " + name + " into the outbox: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the contributors the checks counted can be trusted: the query's participant_id must be
     * each row's own person, taken unchanged from the project's tables (traced by the enclave in the
     * analysed plan), and every value must be a participant the analyst may see. Otherwise the output
     * is not a verified pass: the stewards review it, with this reason shown.
     */
    private Check contributors(String user, java.util.Optional<String> lineageProblem, StatementResult r) {
        if (lineageProblem.isPresent()) {
            return new Check(RuleId.CONTRIBUTORS, Status.REVIEW, List.of(), "the contributors could not be verified: "
                    + lineageProblem.get() + "; every cell's count of contributors is unproven");
        }
        int column = r.columns().indexOf(CONTRIBUTOR);
        java.util.Set<String> known = session.participantsOf(user);
        long unknown = r.rows().stream().map(row -> row.get(column)).filter(v -> v == null || !known.contains(v.toString()))
                .distinct().count();
        if (unknown > 0) {
            return new Check(RuleId.CONTRIBUTORS, Status.REVIEW, List.of(), unknown + " " + CONTRIBUTOR + " value(s) are not"
                    + " participants of the project; every cell's count of contributors is unproven");
        }
        return new Check(RuleId.CONTRIBUTORS, Status.PASS, List.of(), "every row's " + CONTRIBUTOR + " is a participant of the"
                + " project, taken unchanged from the project's tables, every other person-level table joined on it");
    }

    /** The extended attribute naming the member who exported a file (not the SQL writer's: statements never replace these files). */
    public static final String EXPORTER = "user.enclave.exporter";

    /** How a file being exported is named in the outbox until it is whole: a dot name, which no reader lists. */
    public static final String STAGED_SUFFIX = ".staged";

    /**
     * Writes as the enclave's service, with the member who exported it recorded on the file: members
     * share the outbox, and nobody replaces what another member made. The enclave never acts on HDFS
     * as an analyst (analysts have no account there, and no proxy user is needed under Kerberos); the
     * outbox's default ACL lets the egress service read the file.
     *
     * <p>The file is written whole under a staged dot name, marked, and only then renamed into place,
     * so that nobody ever reads half an output or an unmarked one. A new name is taken by an atomic
     * rename that fails if anything holds the name, so of two members choosing one name at once exactly
     * one wins; the caller holds the name's claim in this session while the exporter is checked and the
     * file replaced, so no statement or export of another member writes it meanwhile.
     */
    private void writeAs(String user, Path path, byte[] bytes) {
        FileSystem fs = storage.fs();
        Path staged = new Path(path.getParent(), "." + path.getName() + "." + java.util.UUID.randomUUID() + STAGED_SUFFIX);
        try {
            try {
                try (FSDataOutputStream out = fs.create(staged, false)) {
                    out.write(bytes);
                    out.hsync();
                }
                fs.setXAttr(staged, EXPORTER, user.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                beforePlacing.accept(path);
                if (!AtomicRename.rename(fs, staged, path, Options.Rename.NONE)) {
                    FileStatus existing = fs.getFileStatus(path);
                    if (existing.isDirectory()) {
                        throw new AccessDeniedException(path.getName() + " in the outbox is a directory a statement wrote; choose another name");
                    }
                    String exporter = exporter(fs, path);
                    if (!user.equals(exporter)) {
                        throw new AccessDeniedException(path.getName() + " in the outbox was made by " + (exporter == null ? "someone else"
                                : exporter) + "; choose another name");
                    }
                    if (!AtomicRename.rename(fs, staged, path, Options.Rename.OVERWRITE)) {
                        throw new IOException("the name was taken again while it was being replaced");
                    }
                }
            } finally {
                if (fs.exists(staged)) {
                    fs.delete(staged, false);
                }
            }
        } catch (AccessDeniedException e) {
            throw e;
        } catch (Exception e) {
            throw new EnclaveStorageException("cannot write " + path.getName() + " into the outbox: " + e.getMessage(), e);
        }
    }

    /** Called between staging a file and placing it: a fault hook for tests of the window, a no-op otherwise. */
    private volatile java.util.function.Consumer<Path> beforePlacing = p -> {};

    /** Sets what runs between staging an export and placing it (tests only: it makes races happen when a test says). */
    public void beforePlacingForTests(java.util.function.Consumer<Path> hook) {
        this.beforePlacing = requireNonNull(hook, "hook is null");
    }

    /** Who exported {@code path}: its {@value #EXPORTER}, or for a file an earlier version wrote as the member, its owner. */
    private static String exporter(FileSystem fs, Path path) throws IOException {
        byte[] v;
        try {
            java.util.Map<String, byte[]> attrs = fs.getXAttrs(path);
            v = attrs == null ? null : attrs.get(EXPORTER);
        } catch (UnsupportedOperationException e) {
            v = null;
        }
        if (v != null) {
            return new String(v, java.nio.charset.StandardCharsets.UTF_8);
        }
        String owner = fs.getFileStatus(path).getOwner();
        return owner.equals(org.apache.hadoop.security.UserGroupInformation.getCurrentUser().getShortUserName()) ? null : owner;
    }
}
