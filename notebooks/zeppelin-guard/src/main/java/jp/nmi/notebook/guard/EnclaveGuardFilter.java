package jp.nmi.notebook.guard;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.ByteArrayInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ReadListener;
import javax.servlet.ServletException;
import javax.servlet.ServletInputStream;
import javax.servlet.ServletOutputStream;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;
import org.apache.shiro.SecurityUtils;
import org.apache.shiro.subject.Subject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's guard in front of Zeppelin, declared in the web root's {@code WEB-INF/web.xml} so
 * that Jetty runs it after Zeppelin's Shiro filter: only requests a rule of
 * {@code guard-rules.json} allows reach Zeppelin (the websocket never does); note requests only
 * for members of the active project the note's folder names; new notes only in a project folder
 * of the caller, bound to that project's interpreter; paragraphs only {@code %enclave} or
 * {@code %md}. With the init parameter {@code mode=closed} (the second web root at {@code /next})
 * it refuses everything.
 */
public class EnclaveGuardFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(EnclaveGuardFilter.class);
    private static final Set<String> NOTE_FIELDS = Set.of("name", "defaultInterpreterGroup", "addingEmptyParagraph", "paragraphs");
    private static final Set<String> PARAGRAPH_FIELDS = Set.of("title", "text", "index", "config");
    private static final Set<String> RENAME_FIELDS = Set.of("name");

    private GuardRules rules;
    private AccessFile access;
    private boolean closed;
    private ProjectSync sync;

    @Override
    public void init(FilterConfig config) {
        closed = "closed".equals(config.getInitParameter("mode"));
        rules = GuardRules.load();
        access = AccessFile.shared(AccessFile.defaultPath());
        if (!closed) {
            sync = ProjectSync.start(access);
        }
        LOG.info("enclave guard {} for {} (access file {})", closed ? "closes" : "guards", config.getServletContext().getContextPath(),
                access.file());
    }

    @Override
    public void destroy() {
        if (sync != null) {
            sync.stop();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        if (closed) {
            deny(res, HttpServletResponse.SC_NOT_FOUND, "not here");
            return;
        }
        String raw = req.getRequestURI() == null ? "" : req.getRequestURI().toLowerCase(Locale.ROOT);
        if (raw.contains("%2f") || raw.contains("%2e") || raw.contains("%5c") || raw.contains("%25") || raw.contains(";")
                || raw.contains("\\") || raw.contains("//")) {
            deny(res, HttpServletResponse.SC_BAD_REQUEST, "the path is not one the enclave serves");
            return;
        }
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        if (rules.isClosed(path)) {
            deny(res, HttpServletResponse.SC_FORBIDDEN, "Zeppelin's websocket is closed in the enclave; the workbench uses the REST API");
            return;
        }
        Optional<GuardRules.Match> match = rules.match(req.getMethod(), path);
        if (match.isEmpty()) {
            deny(res, HttpServletResponse.SC_FORBIDDEN, req.getMethod() + " " + path + " is not open in the enclave");
            return;
        }
        GuardRules.Rule rule = match.get().rule();
        String user = path.startsWith("/api/") ? currentUser() : null;
        AccessFile.Snapshot now = access.now();
        if (sync != null) {
            sync.nudge();
        }
        switch (rule.who()) {
            case ANYONE -> { }
            case USER -> {
                if (user == null) {
                    deny(res, HttpServletResponse.SC_UNAUTHORIZED, "sign in first");
                    return;
                }
            }
            case ADMIN -> {
                if (user == null || !now.isAdmin(user)) {
                    deny(res, HttpServletResponse.SC_FORBIDDEN, req.getMethod() + " " + path + " is for the enclave's operators only");
                    return;
                }
            }
            case MEMBER -> {
                if (user == null) {
                    deny(res, HttpServletResponse.SC_UNAUTHORIZED, "sign in first");
                    return;
                }
                String note = match.get().segments().get("note");
                Optional<String> project = ZeppelinNotes.pathOf(note).flatMap(AccessFile::projectOf);
                if (project.isEmpty() || !now.isMember(user, project.get())) {
                    // the same answer whether the note does not exist or is another project's: nothing to learn
                    deny(res, HttpServletResponse.SC_NOT_FOUND, "no note " + note + " for " + user);
                    return;
                }
                request.setAttribute("enclave.project", project.get());
            }
        }
        res.setHeader("Cache-Control", "no-store");
        res.setHeader("X-Content-Type-Options", "nosniff");
        if (path.equals("/api/enclave/me")) {
            me(res, user, now);
            return;
        }
        if (!path.startsWith("/api/")) {
            res.setHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
                    + " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
            res.setHeader("Referrer-Policy", "no-referrer");
        }
        if (rule.body() == GuardRules.Body.NONE) {
            forward(chain, request, res, path);
            return;
        }
        byte[] body = req.getInputStream().readNBytes(rules.maxBodyBytes() + 1);
        if (body.length > rules.maxBodyBytes()) {
            deny(res, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "the request is larger than " + rules.maxBodyBytes() + " bytes");
            return;
        }
        JsonObject json;
        try {
            JsonElement e = new Gson().fromJson(new String(body, StandardCharsets.UTF_8), JsonElement.class);
            json = e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
        } catch (JsonParseException e) {
            deny(res, HttpServletResponse.SC_BAD_REQUEST, "the request body is not JSON");
            return;
        }
        Optional<String> problem = switch (rule.body()) {
            case NOTE -> checkNewNote(json, user, now);
            case PARAGRAPH -> checkParagraph(json);
            case RENAME -> checkRename(json, (String) request.getAttribute("enclave.project"));
            case NONE -> Optional.empty();
        };
        if (problem.isPresent()) {
            deny(res, HttpServletResponse.SC_FORBIDDEN, problem.get());
            return;
        }
        forward(chain, new BodyRequest(req, json.toString().getBytes(StandardCharsets.UTF_8)), res, path);
    }

    /**
     * Lets the request through to Zeppelin. A failure Zeppelin answers for the REST API carries its
     * stack trace; the caller gets one line instead (the trace stays in the server's log).
     */
    private static void forward(FilterChain chain, ServletRequest request, HttpServletResponse res, String path)
            throws IOException, ServletException {
        if (!path.startsWith("/api/")) {
            chain.doFilter(request, res);
            return;
        }
        BufferedResponse buffered = new BufferedResponse(res);
        chain.doFilter(request, buffered);
        byte[] body = buffered.body();
        if (buffered.getStatus() >= 500) {
            String message = "Zeppelin could not do that";
            try {
                JsonObject o = new Gson().fromJson(new String(body, StandardCharsets.UTF_8), JsonObject.class);
                if (o != null && o.has("message") && o.get("message").isJsonPrimitive()) {
                    String m = o.get("message").getAsString();
                    // "org.apache...SomeException: what" -> "what"
                    message = m.replaceFirst("^([a-z][\\w$]*\\.)+[A-Z][\\w$]*(Exception|Error): ", "").lines().findFirst().orElse(message);
                }
            } catch (JsonParseException e) {
                // not JSON: the generic line
            }
            LOG.warn("{} {}: Zeppelin answered {}", path, buffered.getStatus(), new String(body, StandardCharsets.UTF_8));
            deny(res, buffered.getStatus(), message);
            return;
        }
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }

    /** A new note: in a folder of a project the caller is a member of, bound to that project's interpreter. */
    private Optional<String> checkNewNote(JsonObject json, String user, AccessFile.Snapshot now) {
        Optional<String> unknown = unknownField(json, NOTE_FIELDS);
        if (unknown.isPresent()) {
            return unknown;
        }
        String name = json.has("name") && json.get("name").isJsonPrimitive() ? json.get("name").getAsString() : null;
        Optional<String> bad = badPath(name);
        if (bad.isPresent()) {
            return bad;
        }
        Optional<String> project = AccessFile.projectOf(name);
        if (project.isEmpty()) {
            return Optional.of("a note lives in its project's folder: name it /<PROJECT>/<name>, e.g. /DEMO-1/cohort overview");
        }
        if (!now.isMember(user, project.get())) {
            return Optional.of(user + " is not a member of an active project " + project.get());
        }
        json.addProperty("name", name.startsWith("/") ? name : "/" + name);
        // the project's interpreter setting, whatever the request said
        json.addProperty("defaultInterpreterGroup", project.get());
        if (json.has("paragraphs")) {
            if (!json.get("paragraphs").isJsonArray()) {
                return Optional.of("paragraphs must be a list");
            }
            for (JsonElement p : json.getAsJsonArray("paragraphs")) {
                if (!p.isJsonObject()) {
                    return Optional.of("each paragraph must be an object");
                }
                Optional<String> problem = checkParagraph(p.getAsJsonObject());
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<String> checkParagraph(JsonObject json) {
        Optional<String> unknown = unknownField(json, PARAGRAPH_FIELDS);
        if (unknown.isPresent()) {
            return unknown;
        }
        if (json.has("text") && !json.get("text").isJsonNull()) {
            if (!json.get("text").isJsonPrimitive()) {
                return Optional.of("a paragraph's text must be a string");
            }
            return rules.paragraphProblem(json.get("text").getAsString());
        }
        return Optional.empty();
    }

    private Optional<String> checkRename(JsonObject json, String project) {
        Optional<String> unknown = unknownField(json, RENAME_FIELDS);
        if (unknown.isPresent()) {
            return unknown;
        }
        String name = json.has("name") && json.get("name").isJsonPrimitive() ? json.get("name").getAsString() : null;
        Optional<String> bad = badPath(name);
        if (bad.isPresent()) {
            return bad;
        }
        if (!AccessFile.projectOf(name).equals(Optional.ofNullable(project))) {
            return Optional.of("a note stays in its project's folder /" + project + "/: its results are that project's");
        }
        json.addProperty("name", name.startsWith("/") ? name : "/" + name);
        return Optional.empty();
    }

    private static Optional<String> unknownField(JsonObject json, Set<String> allowed) {
        for (String k : json.keySet()) {
            if (!allowed.contains(k)) {
                return Optional.of("'" + k + "' is not a field the enclave accepts here (accepted: " + String.join(", ",
                        allowed.stream().sorted().toList()) + ")");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> badPath(String name) {
        if (name == null || name.isBlank()) {
            return Optional.of("a note needs a name: /<PROJECT>/<name>");
        }
        if (name.length() > 200 || name.contains("..") || name.contains("\\") || name.contains("//")
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f) || name.endsWith("/")) {
            return Optional.of("a note's name is /<PROJECT>/<name> with no '..', '\\', '//', control characters or trailing '/'");
        }
        return Optional.empty();
    }

    private void me(HttpServletResponse res, String user, AccessFile.Snapshot now) throws IOException {
        JsonArray projects = new JsonArray();
        now.projects().values().stream().filter(p -> p.active() && p.members().contains(user))
                .sorted(java.util.Comparator.comparing(AccessFile.Project::id)).forEach(p -> projects.add(p.id()));
        JsonObject out = new JsonObject();
        out.addProperty("status", "OK");
        JsonObject b = new JsonObject();
        b.addProperty("principal", user);
        b.addProperty("admin", now.isAdmin(user));
        b.add("projects", projects);
        out.add("body", b);
        res.setStatus(HttpServletResponse.SC_OK);
        res.setContentType("application/json;charset=UTF-8");
        res.getOutputStream().write(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String currentUser() {
        try {
            Subject s = SecurityUtils.getSubject();
            if (s == null || !s.isAuthenticated() || s.getPrincipal() == null) {
                return null;
            }
            return s.getPrincipal().toString();
        } catch (RuntimeException e) {
            return null; // no security manager: nobody
        }
    }

    static void deny(HttpServletResponse res, int status, String message) throws IOException {
        JsonObject out = new JsonObject();
        out.addProperty("status", status == 401 ? "UNAUTHORIZED" : status == 404 ? "NOT_FOUND" : status == 400 ? "BAD_REQUEST" : "FORBIDDEN");
        out.addProperty("message", message);
        res.setStatus(status);
        res.setHeader("Cache-Control", "no-store");
        res.setContentType("application/json;charset=UTF-8");
        res.getOutputStream().write(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Holds Zeppelin's answer until the guard has looked at it. */
    private static final class BufferedResponse extends javax.servlet.http.HttpServletResponseWrapper {
        private final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        private final ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                buffer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffer.write(b, off, len);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(javax.servlet.WriteListener listener) {
                throw new UnsupportedOperationException("not asynchronous");
            }
        };
        private java.io.PrintWriter writer;

        BufferedResponse(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() {
            return out;
        }

        @Override
        public java.io.PrintWriter getWriter() {
            if (writer == null) {
                writer = new java.io.PrintWriter(new java.io.OutputStreamWriter(buffer, StandardCharsets.UTF_8));
            }
            return writer;
        }

        @Override
        public void flushBuffer() {
            if (writer != null) {
                writer.flush();
            }
        }

        @Override
        public void setContentLength(int len) {
            // set from the buffer when it is written
        }

        @Override
        public void setContentLengthLong(long len) {
            // set from the buffer when it is written
        }

        byte[] body() {
            if (writer != null) {
                writer.flush();
            }
            return buffer.toByteArray();
        }
    }

    /** The request with the checked (and possibly rewritten) body in place of the one that came. */
    private static final class BodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("not asynchronous");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getHeader(String name) {
            return "content-length".equalsIgnoreCase(name) ? Integer.toString(body.length) : super.getHeader(name);
        }
    }
}
