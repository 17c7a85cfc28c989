package jp.nmi.enclave.transparency;

import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ResourceBundle;

/**
 * The data-use register as a static page, one per language: semantic HTML that reads without
 * script, works by keyboard and at phone width, every value escaped (titles and output
 * descriptions are people's words). Labels come from {@code transparency/register} bundles.
 */
public final class RegisterPage {
    public static final List<Locale> LOCALES = List.of(Locale.JAPANESE, Locale.ENGLISH);

    private RegisterPage() {}

    public static String render(DataUseRegister.Register register, Locale locale) {
        ResourceBundle m = ResourceBundle.getBundle("transparency/register", locale, ResourceBundle.Control.getNoFallbackControl(
                ResourceBundle.Control.FORMAT_PROPERTIES));
        String lang = locale.getLanguage();
        String other = lang.equals("ja") ? "en" : "ja";
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"").append(lang).append("\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(m.getString("title"))).append("</title>\n")
                .append("<link rel=\"alternate\" type=\"application/json\" href=\"register.json\">\n")
                .append("<link rel=\"alternate\" hreflang=\"").append(other).append("\" href=\"register.").append(other).append(".html\">\n")
                .append("<link rel=\"stylesheet\" href=\"register.css\">\n</head>\n<body>\n")
                .append("<a class=\"skip\" href=\"#projects\">").append(esc(m.getString("skip"))).append("</a>\n")
                .append("<header><h1>").append(esc(m.getString("title"))).append("</h1>\n")
                .append("<nav aria-label=\"").append(esc(m.getString("language"))).append("\"><a href=\"register.").append(other)
                .append(".html\" hreflang=\"").append(other).append("\" lang=\"").append(other).append("\">")
                .append(esc(m.getString("switch"))).append("</a> · <a href=\"register.json\">").append(esc(m.getString("feed")))
                .append("</a></nav></header>\n<main>\n<p class=\"intro\">").append(esc(m.getString("intro"))).append("</p>\n")
                .append("<p class=\"generated\">").append(esc(MessageFormat.format(m.getString("generated"), tokyo(register.generatedAt()))))
                .append("</p>\n<section id=\"projects\" aria-label=\"").append(esc(m.getString("projects"))).append("\">\n");
        if (register.projects().isEmpty()) {
            h.append("<p>").append(esc(m.getString("none"))).append("</p>\n");
        }
        for (DataUseRegister.Project p : register.projects()) {
            h.append("<article id=\"").append(esc(p.id())).append("\" class=\"project status-").append(esc(p.status())).append("\">\n")
                    .append("<h2><span class=\"id\">").append(esc(p.id())).append("</span> ")
                    .append(p.title() == null ? "<em>" + esc(m.getString("withheld")) + "</em>" : esc(p.title()))
                    .append(" <span class=\"badge\">").append(esc(m.getString("status." + p.status()))).append("</span></h2>\n");
            if (p.summary() != null) {
                h.append("<p class=\"summary\">").append(esc(p.summary())).append("</p>\n");
            }
            h.append("<dl>\n");
            row(h, m.getString("purpose"), purpose(m, p.purpose()));
            row(h, m.getString("approval"), esc(p.approvalReference()) + " (" + esc(p.approvalDate()) + ")");
            row(h, m.getString("period"), esc(p.start()) + " – " + esc(p.end()));
            StringBuilder orgs = new StringBuilder();
            for (DataUseRegister.Organisation o : p.organisations()) {
                orgs.append(orgs.isEmpty() ? "" : "<br>");
                if (o.name() == null) {
                    orgs.append("<span class=\"kind\">").append(esc(m.getString("kind." + o.kind()))).append("</span>");
                } else {
                    orgs.append(esc(o.name())).append(" <span class=\"kind\">(").append(esc(m.getString("kind." + o.kind()))).append(")</span>");
                }
            }
            row(h, m.getString("organisations"), orgs.toString());
            StringBuilder ds = new StringBuilder("<ul class=\"datasets\">");
            for (Map.Entry<String, List<String>> d : p.datasets().entrySet()) {
                ds.append("<li><strong>").append(esc(d.getKey())).append("</strong>: ").append(esc(String.join(", ", d.getValue())))
                        .append("</li>");
            }
            row(h, m.getString("datasets"), ds.append("</ul>").toString());
            if (p.destroyedOn() != null) {
                row(h, m.getString("destroyed"), esc(p.destroyedOn()));
            } else if (p.closedOn() != null) {
                row(h, m.getString("closed"), esc(p.closedOn()));
            }
            StringBuilder out = new StringBuilder(esc(MessageFormat.format(m.getString("outputs.count"), p.outputsReleased())));
            if (!p.outputs().isEmpty()) {
                out.append("<ol class=\"outputs\">");
                for (DataUseRegister.Output o : p.outputs()) {
                    out.append("<li><time>").append(esc(o.releasedOn())).append("</time> ")
                            .append(esc(m.getString("output." + o.kind()))).append(" · ")
                            .append(esc(MessageFormat.format(m.getString("files"), o.files()))).append(" · ")
                            .append(o.description() != null ? esc(o.description()) : "<em>" + esc(m.getString(
                                    p.withheld().contains("outputs") ? "withheld" : "output.nodescription")) + "</em>")
                            .append("</li>");
                }
                out.append("</ol>");
            }
            row(h, m.getString("outputs"), out.toString());
            if (!p.withheld().isEmpty()) {
                row(h, m.getString("withheld.fields"), esc(String.join(", ", p.withheld().stream().map(f -> m.getString("field." + f))
                        .toList())));
            }
            h.append("</dl>\n</article>\n");
        }
        h.append("</section>\n</main>\n<footer><p>").append(esc(m.getString("footer"))).append("</p></footer>\n</body>\n</html>\n");
        return h.toString();
    }

    /** When the register was generated, in Japan's time, to the minute. */
    private static String tokyo(String instant) {
        try {
            return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'JST'", Locale.ROOT)
                    .format(java.time.Instant.parse(instant).atZone(java.time.ZoneId.of("Asia/Tokyo")));
        } catch (java.time.format.DateTimeParseException e) {
            return instant;
        }
    }

    private static String purpose(ResourceBundle m, DataUseRegister.Purpose p) {
        String code = esc(p.code()) + " – " + esc(m.getString("duo." + p.code())) + (p.disease() == null ? "" : " (" + esc(p.disease()) + ")");
        return code + "; " + esc(m.getString(p.commercial() ? "commercial" : "noncommercial"));
    }

    private static void row(StringBuilder h, String label, String html) {
        h.append("<div><dt>").append(esc(label)).append("</dt><dd>").append(html).append("</dd></div>\n");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The pages' style sheet, a file of its own ({@code register.css}) so that a strict content security policy serves it. */
    public static final String CSS = """
            body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.55}
            header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}
            header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem}
            h1{font-size:1.5rem}
            a{color:#0b57d0}
            a:focus-visible{outline:3px solid #f4b400;outline-offset:2px}
            .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.25rem .5rem}
            .project{background:#fff;border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}
            .project h2{font-size:1.15rem;margin:0 0 .5rem}
            .id{font-family:ui-monospace,monospace;color:#555}
            .badge{font-size:.8rem;border-radius:1rem;padding:.1rem .6rem;background:#e6f4ea;color:#137333;white-space:nowrap}
            .status-closed .badge,.status-destroyed .badge,.status-ended .badge{background:#eee;color:#444}
            dl{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:.25rem 1rem;margin:0}
            dl>div{display:contents}
            dt{font-weight:600;color:#444}
            dd{margin:0;overflow-wrap:anywhere}
            ul.datasets,ol.outputs{margin:.25rem 0;padding-left:1.2rem}
            .generated,footer{color:#555;font-size:.9rem}
            @media (max-width:40rem){dl{grid-template-columns:1fr}dt{margin-top:.5rem}}
            """;
}
