package jp.nmi.egress.disclosure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the output is, as the analyst describes it: {@code crosstab index=a,b columns=c},
 * {@code crosstab index=a columns=b values=x aggfunc=sum}, {@code ols y ~ x1 + x2},
 * {@code logit y ~ x1}, {@code probit y ~ x1}, {@code hist x bins=10}, {@code km time event group=g}.
 * Options common to all: {@code margins=true}, {@code id=<contributor column>}.
 */
public record OutputSpec(Kind kind, List<String> index, List<String> columns, String values, String aggfunc, boolean margins,
        String response, List<String> regressors, String variable, int bins, String time, String event, String group, String idColumn) {
    public enum Kind { CROSSTAB, OLS, LOGIT, PROBIT, HIST, KM }

    static final Set<String> AGGFUNCS = Set.of("sum", "mean", "median", "std", "count");

    public boolean isMagnitude() {
        return kind == Kind.CROSSTAB && values != null && !"count".equals(aggfunc);
    }

    public boolean isRegression() {
        return kind == Kind.OLS || kind == Kind.LOGIT || kind == Kind.PROBIT;
    }

    /** @throws DisclosureException saying what does not parse */
    public static OutputSpec parse(String spec) {
        String s = spec == null ? "" : spec.strip();
        if (s.isEmpty()) {
            throw new DisclosureException("--spec is empty (e.g. 'crosstab index=sex columns=age_band')");
        }
        String word = s.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        String rest = s.length() > word.length() ? s.substring(word.length()).strip() : "";
        switch (word) {
            case "crosstab" -> {
                Map<String, String> o = options(rest, Set.of("index", "columns", "values", "aggfunc", "margins", "id"), spec);
                List<String> index = list(o.get("index"));
                if (index.isEmpty()) {
                    throw new DisclosureException("crosstab needs index=<column>[,<column>...] in '" + spec + "'");
                }
                List<String> columns = list(o.get("columns"));
                if (index.size() + columns.size() > 4) {
                    throw new DisclosureException("a crosstab has at most 4 dimensions; '" + spec + "' has " + (index.size() + columns.size()));
                }
                String values = o.get("values");
                String aggfunc = o.getOrDefault("aggfunc", values == null ? "count" : "sum");
                if (!AGGFUNCS.contains(aggfunc)) {
                    throw new DisclosureException("aggfunc '" + aggfunc + "' is not one of count, sum, mean, median, std");
                }
                if (values == null && !aggfunc.equals("count")) {
                    throw new DisclosureException("aggfunc=" + aggfunc + " needs values=<column> in '" + spec + "'");
                }
                return new OutputSpec(Kind.CROSSTAB, index, columns, values, aggfunc, bool(o.get("margins")), null, List.of(), null, 0,
                        null, null, null, o.get("id"));
            }
            case "ols", "logit", "probit" -> {
                String[] parts = rest.split("\\s+(?=\\w+=)", 2);
                String formula = parts[0];
                Map<String, String> o = options(parts.length > 1 ? parts[1] : "", Set.of("id"), spec);
                int tilde = formula.indexOf('~');
                if (tilde < 0) {
                    throw new DisclosureException(word + " needs a formula 'y ~ x1 + x2' in '" + spec + "'");
                }
                String response = formula.substring(0, tilde).strip();
                List<String> regressors = new ArrayList<>();
                for (String x : formula.substring(tilde + 1).split("\\+")) {
                    if (!x.isBlank()) {
                        regressors.add(x.strip());
                    }
                }
                if (response.isEmpty() || regressors.isEmpty()) {
                    throw new DisclosureException(word + " needs a response and at least one regressor: 'y ~ x1 + x2'");
                }
                return new OutputSpec(Kind.valueOf(word.toUpperCase(Locale.ROOT)), List.of(), List.of(), null, null, false, response,
                        List.copyOf(regressors), null, 0, null, null, null, o.get("id"));
            }
            case "hist" -> {
                String[] parts = rest.split("\\s+", 2);
                Map<String, String> o = options(parts.length > 1 ? parts[1] : "", Set.of("bins", "id"), spec);
                int bins;
                try {
                    bins = Integer.parseInt(o.getOrDefault("bins", "10"));
                } catch (NumberFormatException e) {
                    throw new DisclosureException("bins must be a whole number in '" + spec + "'");
                }
                if (parts[0].isEmpty() || bins < 1 || bins > 1000) {
                    throw new DisclosureException("hist needs a column and 1 to 1000 bins: 'hist x bins=10'");
                }
                return new OutputSpec(Kind.HIST, List.of(), List.of(), null, null, false, null, List.of(), parts[0], bins, null, null, null,
                        o.get("id"));
            }
            case "km" -> {
                String[] parts = rest.split("\\s+");
                if (parts.length < 2 || parts[0].contains("=") || parts[1].contains("=")) {
                    throw new DisclosureException("km needs a time and an event column: 'km time event group=g'");
                }
                String tail = rest.substring(rest.indexOf(parts[1]) + parts[1].length()).strip();
                Map<String, String> o = options(tail, Set.of("group", "id"), spec);
                return new OutputSpec(Kind.KM, List.of(), List.of(), null, null, false, null, List.of(), null, 0, parts[0], parts[1],
                        o.get("group"), o.get("id"));
            }
            default -> throw new DisclosureException("unknown output kind '" + word + "' (crosstab, ols, logit, probit, hist, km)");
        }
    }

    private static Map<String, String> options(String text, Set<String> allowed, String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String token : text.split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw new DisclosureException("'" + token + "' is not name=value in '" + spec + "'");
            }
            String key = token.substring(0, eq);
            if (!allowed.contains(key)) {
                throw new DisclosureException("unknown option '" + key + "' in '" + spec + "' (options: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            out.put(key, token.substring(eq + 1));
        }
        return out;
    }

    private static List<String> list(String v) {
        if (v == null || v.isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return List.copyOf(out);
    }

    private static boolean bool(String v) {
        return v != null && (v.equals("true") || v.equals("yes") || v.equals("1"));
    }
}
