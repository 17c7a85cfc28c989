package jp.nmi.egress.request;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import jp.nmi.enclave.error.NotFoundException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Requests, files and reviews in PostgreSQL. Callers own the transactions. */
@Repository
public class RequestRepository {
    private static final String REQUEST_COLUMNS = "id, project, author, status, round, context, controls, profile, created_at,"
            + " updated_at, submitted_at, release_started_at, release_started_by, released_at, released_by, regulator, regulatory_purpose";
    private static final RowMapper<ExportRequest> REQUEST = (rs, n) -> new ExportRequest(rs.getString("id"), rs.getString("project"),
            rs.getString("author"), RequestStatus.of(rs.getString("status")), rs.getInt("round"), rs.getString("context"),
            rs.getString("controls"), rs.getString("profile"), instant(rs, "created_at"), instant(rs, "updated_at"),
            instant(rs, "submitted_at"), instant(rs, "release_started_at"), rs.getString("release_started_by"),
            instant(rs, "released_at"), rs.getString("released_by"), rs.getString("regulator"), rs.getString("regulatory_purpose"));
    private static final RowMapper<RequestFile> FILE = (rs, n) -> new RequestFile(rs.getString("request_id"), rs.getString("name"),
            rs.getString("sha256"), rs.getLong("size"), rs.getString("type"), rs.getInt("round"), rs.getString("check_status"),
            rs.getString("check_report"), rs.getString("metadata"), rs.getString("cells"), rs.getString("added_by"),
            instant(rs, "added_at"));
    private static final RowMapper<Review> REVIEW = (rs, n) -> new Review(rs.getString("request_id"), rs.getInt("round"),
            rs.getString("file_name"), rs.getString("reviewer"), Decision.of(rs.getString("decision")), rs.getString("public_comment"),
            rs.getString("private_comment"), instant(rs, "decided_at"), rs.getBoolean("revised_after_reveal"), rs.getString("reviewer_role"));

    private static final RowMapper<Intake> INTAKE = (rs, n) -> new Intake(rs.getString("request_id"), rs.getString("name"),
            rs.getInt("round"), rs.getString("token"), rs.getString("requested_by"), instant(rs, "requested_at"), rs.getString("failure"));

    /** One released cell: which file of which request published it, and its contributors' salted hashes. */
    public record ReleasedCell(String requestId, String fileName, String label, List<String> contributors) {}

    private final JdbcClient jdbc;

    public RequestRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public String nextId() {
        long n = jdbc.sql("SELECT nextval('export_request_number')").query(Long.class).single();
        return String.format(java.util.Locale.ROOT, "R-%06d", n);
    }

    public void insert(ExportRequest r) {
        jdbc.sql("INSERT INTO export_request (" + REQUEST_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(r.id(), r.project(), r.author(), r.status().label(), r.round(), r.context(), r.controls(), r.profile(),
                        ts(r.createdAt()), ts(r.updatedAt()), ts(r.submittedAt()), ts(r.releaseStartedAt()), r.releaseStartedBy(),
                        ts(r.releasedAt()), r.releasedBy(), r.regulator(), r.regulatoryPurpose())
                .update();
    }

    /** Writes every mutable field of {@code r}. */
    public void update(ExportRequest r) {
        int n = jdbc.sql("UPDATE export_request SET status = ?, round = ?, context = ?, controls = ?, updated_at = ?, submitted_at = ?,"
                        + " release_started_at = ?, release_started_by = ?, released_at = ?, released_by = ? WHERE id = ?")
                .params(r.status().label(), r.round(), r.context(), r.controls(), ts(r.updatedAt()), ts(r.submittedAt()),
                        ts(r.releaseStartedAt()), r.releaseStartedBy(), ts(r.releasedAt()), r.releasedBy(), r.id())
                .update();
        if (n != 1) {
            throw new NotFoundException("no export request " + r.id());
        }
    }

    public Optional<ExportRequest> find(String id) {
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request WHERE id = ?").param(id).query(REQUEST).optional();
    }

    /** The request, its row locked until the transaction ends: moves on one request happen one at a time. */
    public ExportRequest lock(String id) {
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request WHERE id = ? FOR UPDATE").param(id).query(REQUEST)
                .optional().orElseThrow(() -> new NotFoundException("no export request " + id));
    }

    public ExportRequest require(String id) {
        return find(id).orElseThrow(() -> new NotFoundException("no export request " + id));
    }

    /** Requests waiting for stewards, oldest submission first. */
    public List<ExportRequest> queue() {
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request WHERE status IN ('submitted', 'partially_reviewed',"
                + " 'reviewed', 'approved') ORDER BY submitted_at, id").query(REQUEST).list();
    }

    /** Every request, newest first (stewards' history view). */
    public List<ExportRequest> all(int limit) {
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request ORDER BY created_at DESC, id DESC LIMIT ?").param(limit)
                .query(REQUEST).list();
    }

    public List<ExportRequest> ofProjects(List<String> projects) {
        if (projects.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request WHERE project = ANY (?) ORDER BY created_at DESC, id DESC")
                .param(projects.toArray(String[]::new)).query(REQUEST).list();
    }

    public List<ExportRequest> releaseInterrupted() {
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request WHERE release_started_at IS NOT NULL ORDER BY id")
                .query(REQUEST).list();
    }

    public List<ExportRequest> terminal() {
        return jdbc.sql("SELECT " + REQUEST_COLUMNS + " FROM export_request WHERE status IN ('released', 'rejected', 'withdrawn')")
                .query(REQUEST).list();
    }

    /** The request's files now (those removed by the author left out). */
    public List<RequestFile> files(String requestId) {
        return jdbc.sql("SELECT * FROM request_file WHERE request_id = ? AND removed_in_round IS NULL ORDER BY name").param(requestId)
                .query(FILE).list();
    }

    /** What the public data-use register says of the request once released, if its author wrote it. */
    public Optional<String> publicDescription(String requestId) {
        return jdbc.sql("SELECT text FROM public_description WHERE request_id = ?").params(requestId).query(String.class).optional();
    }

    /** Sets (or, with null, removes) the request's public description. */
    public void setPublicDescription(String requestId, String text, String by, Instant at) {
        if (text == null) {
            jdbc.sql("DELETE FROM public_description WHERE request_id = ?").params(requestId).update();
            return;
        }
        jdbc.sql("INSERT INTO public_description (request_id, text, set_by, set_at) VALUES (?, ?, ?, ?) ON CONFLICT (request_id)"
                + " DO UPDATE SET text = EXCLUDED.text, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at")
                .params(requestId, text, by, ts(at)).update();
    }

    /** A file of the request now (not one the author removed). */
    public Optional<RequestFile> file(String requestId, String name) {
        return jdbc.sql("SELECT * FROM request_file WHERE request_id = ? AND name = ? AND removed_in_round IS NULL")
                .params(requestId, name).query(FILE).optional();
    }

    /** Whether the request ever had a file of this name (removed ones included): adding it again replaces that row. */
    public boolean hadFile(String requestId, String name) {
        return jdbc.sql("SELECT count(*) FROM request_file WHERE request_id = ? AND name = ?").params(requestId, name)
                .query(Long.class).single() > 0;
    }

    /** Marks a file removed by its author in {@code round}; its row and earlier reviews stay. */
    public boolean removeFile(String requestId, String name, int round) {
        return jdbc.sql("UPDATE request_file SET removed_in_round = ? WHERE request_id = ? AND name = ? AND removed_in_round IS NULL")
                .params(round, requestId, name).update() == 1;
    }

    /** Files asked for and not yet taken in, or that could not be, by name. */
    public List<Intake> intakes(String requestId) {
        return jdbc.sql("SELECT * FROM file_intake WHERE request_id = ? ORDER BY name").param(requestId).query(INTAKE).list();
    }

    /** Every file still to be taken in (at start-up, what a stop interrupted), oldest first. */
    public List<Intake> queuedIntakes() {
        return jdbc.sql("SELECT * FROM file_intake WHERE failure IS NULL ORDER BY requested_at, request_id, name").query(INTAKE).list();
    }

    /** Asks for a file (a new version of a name replaces one asked for before). */
    public void upsertIntake(Intake i) {
        jdbc.sql("INSERT INTO file_intake (request_id, name, round, token, requested_by, requested_at, failure) VALUES (?, ?, ?, ?, ?, ?, NULL)"
                        + " ON CONFLICT (request_id, name) DO UPDATE SET round = EXCLUDED.round, token = EXCLUDED.token,"
                        + " requested_by = EXCLUDED.requested_by, requested_at = EXCLUDED.requested_at, failure = NULL")
                .params(i.requestId(), i.name(), i.round(), i.token(), i.requestedBy(), ts(i.requestedAt())).update();
    }

    /** Whether this version of the file is still asked for and waiting (not replaced, removed or failed). */
    public boolean isIntakeQueued(Intake i) {
        return jdbc.sql("SELECT count(*) FROM file_intake WHERE token = ? AND failure IS NULL").param(i.token()).query(Long.class)
                .single() > 0;
    }

    /** Files waiting to be taken in that {@code user} asked for, in every request. */
    public long queuedIntakesOf(String user) {
        return jdbc.sql("SELECT count(*) FROM file_intake WHERE requested_by = ? AND failure IS NULL").param(user).query(Long.class)
                .single();
    }

    /** Takes the intake of this version off the list; false if it was replaced or removed meanwhile. */
    public boolean completeIntake(Intake i) {
        return jdbc.sql("DELETE FROM file_intake WHERE token = ?").param(i.token()).update() == 1;
    }

    public boolean failIntake(Intake i, String failure) {
        return jdbc.sql("UPDATE file_intake SET failure = ? WHERE token = ?").params(failure, i.token()).update() == 1;
    }

    public boolean deleteIntake(String requestId, String name) {
        return jdbc.sql("DELETE FROM file_intake WHERE request_id = ? AND name = ?").params(requestId, name).update() == 1;
    }

    public int deleteIntakes(String requestId) {
        return jdbc.sql("DELETE FROM file_intake WHERE request_id = ?").param(requestId).update();
    }

    /** Replaces (or brings back) a file's version: its old reviews stay, in their round. */
    public void upsertFile(RequestFile f) {
        jdbc.sql("INSERT INTO request_file (request_id, name, sha256, size, type, round, check_status, check_report, metadata, cells,"
                        + " added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, name) DO UPDATE SET"
                        + " sha256 = EXCLUDED.sha256, size = EXCLUDED.size, type = EXCLUDED.type, round = EXCLUDED.round,"
                        + " check_status = EXCLUDED.check_status, check_report = EXCLUDED.check_report, metadata = EXCLUDED.metadata,"
                        + " cells = EXCLUDED.cells, added_by = EXCLUDED.added_by, added_at = EXCLUDED.added_at, removed_in_round = NULL")
                .params(f.requestId(), f.name(), f.sha256(), f.size(), f.type(), f.round(), f.checkStatus(), f.checkReport(), f.metadata(),
                        f.cells(), f.addedBy(), ts(f.addedAt()))
                .update();
    }

    public void insertFile(RequestFile f) {
        jdbc.sql("INSERT INTO request_file (request_id, name, sha256, size, type, round, check_status, check_report, metadata, cells,"
                        + " added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(f.requestId(), f.name(), f.sha256(), f.size(), f.type(), f.round(), f.checkStatus(), f.checkReport(), f.metadata(),
                        f.cells(), f.addedBy(), ts(f.addedAt()))
                .update();
    }

    /** Replaces a file's version (a returned request's author updating it): its old reviews stay, in their round. */
    public void replaceFile(RequestFile f) {
        jdbc.sql("UPDATE request_file SET sha256 = ?, size = ?, type = ?, round = ?, check_status = ?, check_report = ?, metadata = ?,"
                        + " cells = ?, added_by = ?, added_at = ? WHERE request_id = ? AND name = ?")
                .params(f.sha256(), f.size(), f.type(), f.round(), f.checkStatus(), f.checkReport(), f.metadata(), f.cells(), f.addedBy(),
                        ts(f.addedAt()), f.requestId(), f.name())
                .update();
    }

    public List<Review> reviews(String requestId) {
        return jdbc.sql("SELECT * FROM review WHERE request_id = ? ORDER BY round, file_name, decided_at, reviewer").param(requestId)
                .query(REVIEW).list();
    }

    public List<Review> reviews(String requestId, int round) {
        return jdbc.sql("SELECT * FROM review WHERE request_id = ? AND round = ? ORDER BY file_name, decided_at, reviewer")
                .params(requestId, round).query(REVIEW).list();
    }

    /** One audit event of a request, as its history lists it. */
    public record Event(long seq, String at, String actor, String action, String details) {}

    /** The request's audit events, oldest first (their details as recorded: callers show only what the viewer may see). */
    public List<Event> events(String requestId) {
        // the expression the index audit_event_request is built on (V3); the newest 500 at most
        return jdbc.sql("SELECT * FROM (SELECT seq, at, actor, action, details FROM audit_event WHERE details::jsonb ->> 'request' = ?"
                        + " ORDER BY seq DESC LIMIT 500) newest ORDER BY seq")
                .param(requestId)
                .query((rs, n) -> new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5))).list();
    }

    /** Records how a conflict on a file was settled (once per file and round). */
    public void addResolution(Resolution x) {
        jdbc.sql("INSERT INTO file_resolution (request_id, round, file_name, resolver, decision, note, resolved_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(x.requestId(), x.round(), x.fileName(), x.resolver(), x.decision().label(), x.note(), ts(x.resolvedAt())).update();
    }

    /** How the conflicts of a round were settled. */
    public List<Resolution> resolutions(String requestId, int round) {
        return jdbc.sql("SELECT * FROM file_resolution WHERE request_id = ? AND round = ? ORDER BY file_name").params(requestId, round)
                .query((rs, n) -> new Resolution(rs.getString("request_id"), rs.getInt("round"), rs.getString("file_name"),
                        rs.getString("resolver"), Decision.of(rs.getString("decision")), rs.getString("note"),
                        rs.getTimestamp("resolved_at").toInstant())).list();
    }

    /** Records a steward's message to the author; one per round and kind. */
    public void addMessage(RequestMessage m) {
        jdbc.sql("INSERT INTO request_message (request_id, round, kind, sender, message, sent_at) VALUES (?, ?, ?, ?, ?, ?)")
                .params(m.requestId(), m.round(), m.kind().label(), m.sender(), m.message(), ts(m.sentAt())).update();
    }

    /** The stewards' messages to the author, oldest first. */
    public List<RequestMessage> messages(String requestId) {
        return jdbc.sql("SELECT * FROM request_message WHERE request_id = ? ORDER BY round, sent_at").param(requestId)
                .query((rs, n) -> new RequestMessage(rs.getString("request_id"), rs.getInt("round"),
                        RequestMessage.Kind.of(rs.getString("kind")), rs.getString("sender"), rs.getString("message"),
                        rs.getTimestamp("sent_at").toInstant())).list();
    }

    public void upsertReview(Review r) {
        jdbc.sql("INSERT INTO review (request_id, round, file_name, reviewer, decision, public_comment, private_comment, decided_at,"
                        + " revised_after_reveal, reviewer_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (request_id, round, file_name, reviewer)"
                        + " DO UPDATE SET decision = EXCLUDED.decision, public_comment = EXCLUDED.public_comment,"
                        + " private_comment = EXCLUDED.private_comment, decided_at = EXCLUDED.decided_at,"
                        + " revised_after_reveal = review.revised_after_reveal OR EXCLUDED.revised_after_reveal,"
                        + " reviewer_role = EXCLUDED.reviewer_role")
                .params(r.requestId(), r.round(), r.fileName(), r.reviewer(), r.decision().label(), r.publicComment(), r.privateComment(),
                        ts(r.decidedAt()), r.revisedAfterReveal(), r.reviewerRole())
                .update();
    }

    public List<ReleasedCell> releasedCells(String project) {
        return jdbc.sql("SELECT request_id, file_name, label, contributors FROM released_cell WHERE project = ?").param(project)
                .query((rs, n) -> new ReleasedCell(rs.getString(1), rs.getString(2), rs.getString(3), strings(rs.getArray(4)))).list();
    }

    public void insertReleasedCell(String project, ReleasedCell cell) {
        jdbc.sql("INSERT INTO released_cell (project, request_id, file_name, label, contributors) VALUES (?, ?, ?, ?, ?)")
                .params(project, cell.requestId(), cell.fileName(), cell.label(), cell.contributors().toArray(String[]::new))
                .update();
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : new ArrayList<>(Arrays.asList((String[]) a.getArray()));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
