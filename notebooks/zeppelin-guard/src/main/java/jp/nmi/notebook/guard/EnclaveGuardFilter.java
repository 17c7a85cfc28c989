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
                || raw.contains("\\") || raw.contains("//") || raw.contains("/./") || raw.contains("/../") || raw.endsWith("/.")
                || raw.endsWith("/..")) {
            deny(res, HttpServletResponse.SC_BAD_REQUEST, "the path is not one the enclave serves");
            return;
        }
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        boolean api = path.startsWith("/api/");
        if (api && req.getQueryString() != null) {
            // Zeppelin reads parameters such as ?sessionId= (a new interpreter process each) or ?isolated=
            deny(res, HttpServletResponse.SC_BAD_REQUEST, "the enclave takes no query parameters on Zeppelin's API");
            return;
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !origin.equalsIgnoreCase(req.getScheme() + "://" + req.getHeader("Host"))) {
            deny(res, HttpServletResponse.SC_FORBIDDEN, "requests from another site are refused");
            return;
        }
        if (api && req.getHeader("Content-Encoding") != null) {
            deny(res, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "the enclave takes request bodies without Content-Encoding");
            return;
        }
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
        AccessFile.Snapshot now = access.now();
        String user = api ? currentUser(now) : null;
        if (path.equals("/api/login") && "POST".equals(req.getMethod())) {
            login(req, res, chain);
            return;
        }
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
        if (!api) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = req.getInputStream().readNBytes(rules.maxBodyBytes() + 1);
        if (body.length == 0 && rule.body() == GuardRules.Body.NONE) {
            forward(chain, new BodyRequest(req, body), res);
            return;
        }
        if (!isJson(req.getContentType())) {
            deny(res, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "the enclave takes JSON bodies only (Content-Type: application/json;"
                    + " charset UTF-8)");
            return;
        }
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
            case NONE -> checkNoBody(json);
        };
        if (problem.isPresent()) {
            deny(res, HttpServletResponse.SC_FORBIDDEN, problem.get());
            return;
        }
        forward(chain, new BodyRequest(req, ascii(json)), res);
    }

    /**
     * Lets a REST request through to Zeppelin and answers with what it says. A failure Zeppelin
     * answers carries its stack trace (and, for permissions, who else may read the note); the caller
     * gets one line instead (the rest stays in the server's log).
     *
     * @return the status Zeppelin answered
     */
    private static int forward(FilterChain chain, ServletRequest request, HttpServletResponse res) throws IOException, ServletException {
        BufferedResponse buffered = new BufferedResponse(res);
        chain.doFilter(request, buffered);
        byte[] body = buffered.body();
        int status = buffered.getStatus();
        if (status >= 400) {
            String message = status >= 500 ? "Zeppelin could not do that" : "refused";
            try {
                JsonObject o = new Gson().fromJson(new String(body, StandardCharsets.UTF_8), JsonObject.class);
                if (o != null && o.has("message") && o.get("message").isJsonPrimitive()) {
                    String m = o.get("message").getAsString();
                    // "org.apache...SomeException: what" -> "what"; never the list of who may read a note
                    message = m.replaceFirst("^([a-z][\\w$]*\\.)+[A-Z][\\w$]*(Exception|Error): ", "")
                            .replaceFirst("\\s*Allowed users or roles:.*$", "").lines().findFirst().orElse(message);
                }
            } catch (JsonParseException e) {
                // not JSON: the generic line
            }
            if (status >= 500) {
                LOG.warn("{}: Zeppelin answered {}: {}", ((HttpServletRequest) request).getRequestURI(), status,
                        new String(body, StandardCharsets.UTF_8));
            }
            deny(res, status, message);
            return status;
        }
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
        return status;
    }

    private static final java.util.regex.Pattern JSON_TYPE = java.util.regex.Pattern.compile(
            "(?i)\\s*application/json\\s*(;\\s*charset\\s*=\\s*\"?utf-8\"?\\s*)?");
    private static final java.util.regex.Pattern FORM_TYPE = java.util.regex.Pattern.compile(
            "(?i)\\s*application/x-www-form-urlencoded\\s*(;\\s*charset\\s*=\\s*\"?utf-8\"?\\s*)?");

    /** application/json in UTF-8 (or no charset): a body Zeppelin reads exactly as the guard did. */
    static boolean isJson(String contentType) {
        return contentType != null && JSON_TYPE.matcher(contentType).matches();
    }

    /** JSON as the guard checked it, in ASCII (every other character escaped): no charset can read it otherwise. */
    static byte[] ascii(JsonElement json) {
        String text = new com.google.gson.GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(json);
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private final jp.nmi.enclave.directory.LoginThrottle throttle = new jp.nmi.enclave.directory.LoginThrottle(
            jp.nmi.enclave.directory.LoginThrottle.Limits.DEFAULTS, java.time.Clock.systemUTC());

    /** A login failed (Zeppelin answered other than 200): counted by the throttle. */
    private static final class LoginFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LoginFailed() {
            super("login failed", null, false, false);
        }
    }

    /**
     * A login, through the enclave's throttle: too many failures for the account or from the
     * address lock it for a while, refused before any password is hashed.
     */
    private void login(HttpServletRequest req, HttpServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (req.getContentType() == null || !FORM_TYPE.matcher(req.getContentType()).matches()) {
            deny(res, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "sign in with a form (application/x-www-form-urlencoded)");
            return;
        }
        byte[] body = req.getInputStream().readNBytes(4097);
        if (body.length > 4096) {
            deny(res, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "the sign-in form is too large");
            return;
        }
        String account = "";
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            if (pair.startsWith("userName=")) {
                account = java.net.URLDecoder.decode(pair.substring(9), StandardCharsets.UTF_8);
            }
        }
        BodyRequest forwarded = new BodyRequest(req, body, "application/x-www-form-urlencoded;charset=UTF-8");
        try {
            throttle.attempt(account, req.getRemoteAddr(), () -> {
                try {
                    if (forward(chain, forwarded, res) != HttpServletResponse.SC_OK) {
                        throw new LoginFailed();
                    }
                    return Boolean.TRUE;
                } catch (IOException | ServletException e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (LoginFailed e) {
            // answered already (403)
        } catch (jp.nmi.enclave.directory.LoginThrottle.TooManyFailedLogins e) {
            res.setHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
            deny(res, 429, e.getMessage());
        }
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
        Optional<String> folder = foreignFolder(name, project.get(), user);
        if (folder.isPresent()) {
            return folder;
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

    /** A body where the rule expects none to matter: a run's {@code params} at most (forms; %enclave takes none). */
    private static Optional<String> checkNoBody(JsonObject json) {
        return unknownField(json, Set.of("params"));
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
        Optional<String> folder = foreignFolder(name, project, currentUser(access.now()));
        if (folder.isPresent()) {
            return folder;
        }
        json.addProperty("name", name.startsWith("/") ? name : "/" + name);
        return Optional.empty();
    }

    /**
     * A note goes directly in its project's folder or in the member's own folder within it
     * ({@code /DEMO-1/alice/...}), never in another member's: nobody takes the names another
     * member's notes (and the workbench) will need.
     */
    static Optional<String> foreignFolder(String name, String project, String user) {
        String[] parts = (name.startsWith("/") ? name.substring(1) : name).split("/");
        if (parts.length >= 3 && !parts[1].equals(user)) {
            return Optional.of("a note goes in /" + project + "/ or in your own folder /" + project + "/" + user + "/, not in /"
                    + project + "/" + parts[1] + "/");
        }
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

    /**
     * A note's path as Zeppelin's storage takes it, folder by folder: letters of any script, digits,
     * spaces and {@code _ - ( ) ~ , + & '}, no folder named {@code .} or {@code ..}, nothing its
     * storage would decode ({@code %2e%2e} is {@code ..} to commons-vfs: CVE-2025-27553).
     */
    static Optional<String> badPath(String name) {
        if (name == null || name.isBlank()) {
            return Optional.of("a note needs a name: /<PROJECT>/<name>");
        }
        String p = name.startsWith("/") ? name.substring(1) : name;
        boolean bad = name.length() > 200 || p.isEmpty() || p.endsWith("/");
        for (String segment : p.split("/", -1)) {
            bad |= segment.isBlank() || segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches();
        }
        if (bad) {
            return Optional.of("a note's name is /<PROJECT>/<name>: folders and name of letters, digits, spaces and _ - . ( ) ~ , + & ',"
                    + " no empty folder, no . or .. folder, at most 200 characters");
        }
        return Optional.empty();
    }

    private static final java.util.regex.Pattern SEGMENT = java.util.regex.Pattern.compile("[\\p{L}\\p{N}\\p{M} _\\-.()~,+&']{1,120}");

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

    /** The signed-in user, if their account still exists (a session does not outlive it). */
    private static String currentUser(AccessFile.Snapshot now) {
        try {
            Subject s = SecurityUtils.getSubject();
            if (s == null || !s.isAuthenticated() || s.getPrincipal() == null) {
                return null;
            }
            String user = s.getPrincipal().toString();
            return now.users().containsKey(user) ? user : null;
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

        private final String contentType;

        BodyRequest(HttpServletRequest request, byte[] body) {
            this(request, body, "application/json;charset=UTF-8");
        }

        BodyRequest(HttpServletRequest request, byte[] body, String contentType) {
            super(request);
            this.body = body;
            this.contentType = body.length == 0 ? request.getContentType() : contentType;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public String getCharacterEncoding() {
            return "UTF-8";
        }

        @Override
        public java.util.Enumeration<String> getHeaders(String name) {
            if ("content-type".equalsIgnoreCase(name)) {
                return contentType == null ? java.util.Collections.emptyEnumeration()
                        : java.util.Collections.enumeration(java.util.List.of(contentType));
            }
            if ("content-length".equalsIgnoreCase(name)) {
                return java.util.Collections.enumeration(java.util.List.of(Integer.toString(body.length)));
            }
            return super.getHeaders(name);
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
            if ("content-type".equalsIgnoreCase(name)) {
                return contentType;
            }
            return "content-length".equalsIgnoreCase(name) ? Integer.toString(body.length) : super.getHeader(name);
        }
    }
}
