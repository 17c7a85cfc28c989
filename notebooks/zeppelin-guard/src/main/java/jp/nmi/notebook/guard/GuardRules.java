package jp.nmi.notebook.guard;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What may reach Zeppelin, as data ({@code guard-rules.json}): rules of method, path template,
 * who may call and how the body is checked, first match wins; the closed paths; the interpreters
 * a paragraph may name.
 */
public record GuardRules(List<Rule> rules, List<Pattern> closed, Set<String> interpreters, int maxBodyBytes) {
    /** Who a rule lets through. */
    public enum Who { ANYONE, USER, MEMBER, ADMIN }

    /** How a request body is checked. */
    public enum Body { NONE, NOTE, PARAGRAPH, RENAME }

    /** One rule: {@code {name}} in a path is one segment, {@code **} the rest. */
    public record Rule(String method, String path, Who who, Body body, Pattern pattern, List<String> names) {
        /** The named segments of {@code path} if the rule applies to the request. */
        public Optional<Map<String, String>> match(String requestMethod, String requestPath) {
            if (!method.equals("*") && !method.equalsIgnoreCase(requestMethod)) {
                return Optional.empty();
            }
            Matcher m = pattern.matcher(requestPath);
            if (!m.matches()) {
                return Optional.empty();
            }
            Map<String, String> out = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                out.put(names.get(i), m.group(i + 1));
            }
            return Optional.of(out);
        }
    }

    /** A rule that applies, with the path's named segments. */
    public record Match(Rule rule, Map<String, String> segments) {}

    public static GuardRules load() {
        try (InputStream in = GuardRules.class.getResourceAsStream("guard-rules.json")) {
            if (in == null) {
                throw new IllegalStateException("guard-rules.json is missing from the guard's jar");
            }
            return parse(new Gson().fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), JsonObject.class));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read guard-rules.json: " + e.getMessage(), e);
        }
    }

    static GuardRules parse(JsonObject root) {
        List<Rule> rules = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("rules")) {
            JsonObject r = e.getAsJsonObject();
            String path = r.get("path").getAsString();
            List<String> names = new ArrayList<>();
            Pattern pattern = template(path, names);
            rules.add(new Rule(r.get("method").getAsString().toUpperCase(Locale.ROOT), path,
                    Who.valueOf(r.get("who").getAsString().toUpperCase(Locale.ROOT)),
                    r.has("body") ? Body.valueOf(r.get("body").getAsString().toUpperCase(Locale.ROOT)) : Body.NONE, pattern,
                    List.copyOf(names)));
        }
        List<Pattern> closed = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("closed")) {
            closed.add(template(e.getAsString(), new ArrayList<>()));
        }
        Set<String> interpreters = new java.util.LinkedHashSet<>();
        root.getAsJsonArray("interpreters").forEach(x -> interpreters.add(x.getAsString()));
        return new GuardRules(List.copyOf(rules), List.copyOf(closed), Set.copyOf(interpreters), root.get("max_body_bytes").getAsInt());
    }

    private static Pattern template(String path, List<String> names) {
        StringBuilder re = new StringBuilder();
        Matcher m = Pattern.compile("\\{([a-z]+)\\}|\\*\\*").matcher(path);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(path.substring(last, m.start())));
            if (m.group(1) != null) {
                names.add(m.group(1));
                re.append("([A-Za-z0-9_-]+)");
            } else {
                re.append(".*");
            }
            last = m.end();
        }
        re.append(Pattern.quote(path.substring(last)));
        return Pattern.compile(re.toString());
    }

    /** The first rule that applies; empty: refused. */
    public Optional<Match> match(String method, String path) {
        for (Rule r : rules) {
            Optional<Map<String, String>> m = r.match(method, path);
            if (m.isPresent()) {
                return Optional.of(new Match(r, m.get()));
            }
        }
        return Optional.empty();
    }

    public boolean isClosed(String path) {
        return closed.stream().anyMatch(p -> p.matcher(path).matches());
    }

    private static final Pattern REPL = Pattern.compile("%([a-zA-Z0-9_\\-]+(?:\\.\\w+)*)");

    /**
     * Why a paragraph's text may not run, or empty if it may: it must name one of the allowed
     * interpreters ({@code %enclave}, {@code %md}) or none (the note's project interpreter).
     */
    public Optional<String> paragraphProblem(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.stripLeading();
        if (!t.startsWith("%")) {
            return Optional.empty();
        }
        Matcher m = REPL.matcher(t);
        if (!m.lookingAt()) {
            return Optional.of("a paragraph starts with %enclave or %md");
        }
        String repl = m.group(1);
        String after = t.substring(m.end());
        if (!interpreters.contains(repl) || !(after.isEmpty() || Character.isWhitespace(after.charAt(0)))) {
            return Optional.of("%" + repl + (after.isEmpty() || Character.isWhitespace(after.charAt(0)) ? "" : after.substring(0, 1))
                    + " is not available in the enclave: paragraphs run %enclave (governed SQL and analysis commands) or %md");
        }
        return Optional.empty();
    }
}
