package jp.nmi.infra.zeppelin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Zeppelin's REST API as one signed-in user calls it (a cookie jar of their own), through the
 * enclave's guard: for tests, benchmarks and the end-to-end story.
 */
public final class ZeppelinClient {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** An HTTP answer: status and body. */
    public record Answer(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        /** Zeppelin's envelope {"status","message","body"}: the body. */
        public JsonNode payload() {
            return json().path("body");
        }

        public String message() {
            return json().path("message").asText();
        }
    }

    /** A paragraph's result: code (SUCCESS, ERROR) and its messages (type, data). */
    public record Result(String code, List<String> types, List<String> data) {
        public String text() {
            return String.join("\n", data);
        }

        /** The first TABLE's rows, header first, cells split. */
        public List<List<String>> table() {
            for (int i = 0; i < types.size(); i++) {
                if (types.get(i).equals("TABLE")) {
                    List<List<String>> rows = new ArrayList<>();
                    for (String line : data.get(i).split("\n")) {
                        rows.add(List.of(line.split("\t", -1)));
                    }
                    return rows;
                }
            }
            throw new IllegalStateException("no TABLE in the result: " + types + " " + data);
        }
    }

    private final URI base;
    private final HttpClient http;

    public ZeppelinClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public Answer login(String user, String password) {
        return send("POST", "api/login", "userName=" + enc(user) + "&password=" + enc(password), "application/x-www-form-urlencoded");
    }

    public Answer get(String path) {
        return send("GET", path, null, null);
    }

    public Answer post(String path, Object body) {
        return send("POST", path, body == null ? "" : write(body), "application/json");
    }

    public Answer put(String path, Object body) {
        return send("PUT", path, body == null ? "" : write(body), "application/json");
    }

    public Answer delete(String path) {
        return send("DELETE", path, null, null);
    }

    /** Creates a note with paragraphs (texts); returns its id. */
    public String createNote(String name, List<String> paragraphs) {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", name);
        ArrayNode ps = body.putArray("paragraphs");
        for (String p : paragraphs) {
            ps.addObject().put("text", p);
        }
        Answer a = post("api/notebook", body);
        if (a.status() != 200) {
            throw new IllegalStateException("note " + name + " not created: " + a);
        }
        return a.payload().asText();
    }

    public List<String> paragraphIds(String noteId) {
        List<String> out = new ArrayList<>();
        get("api/notebook/" + noteId).payload().path("paragraphs").forEach(p -> out.add(p.path("id").asText()));
        return out;
    }

    public String addParagraph(String noteId, String text) {
        ObjectNode body = JSON.createObjectNode();
        body.put("text", text);
        Answer a = post("api/notebook/" + noteId + "/paragraph", body);
        if (a.status() != 200) {
            throw new IllegalStateException("paragraph not added: " + a);
        }
        return a.payload().asText();
    }

    /** Runs a paragraph synchronously. */
    public Result run(String noteId, String paragraphId) {
        Answer a = post("api/notebook/run/" + noteId + "/" + paragraphId, null);
        if (a.status() != 200 && a.status() != 500) {
            throw new IllegalStateException("run refused: " + a);
        }
        JsonNode b = a.payload();
        List<String> types = new ArrayList<>();
        List<String> data = new ArrayList<>();
        b.path("msg").forEach(m -> {
            types.add(m.path("type").asText());
            data.add(m.path("data").asText());
        });
        return new Result(b.path("code").asText(), types, data);
    }

    /** Adds a paragraph to the note and runs it. */
    public Result runText(String noteId, String text) {
        return run(noteId, addParagraph(noteId, text));
    }

    private Answer send(String method, String path, String body, String type) {
        return send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), type, Map.of());
    }

    /** Any request, with the body's bytes as given and extra headers (for tests of the guard). */
    public Answer send(String method, String path, byte[] body, String type, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(3));
        if (type != null) {
            b.header("Content-Type", type);
        }
        headers.forEach(b::header);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String write(Object o) {
        try {
            return o instanceof String s ? s : JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
