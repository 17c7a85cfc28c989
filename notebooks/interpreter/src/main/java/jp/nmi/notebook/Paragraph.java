package jp.nmi.notebook;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.ValidationException;

/**
 * One {@code %enclave} paragraph: governed SQL, or one of the fixed analysis commands. The first
 * word decides; an output command's first line is its specification and the lines below it are
 * the query that feeds it.
 *
 * <pre>
 * tables                                   what I may see, table by table
 * describe participants                    its columns: visible, masked (how) or denied
 * crosstab index=sex columns=age_band      an output, checked for disclosure
 * SELECT participant_id, sex, age_band FROM participants
 * summary by=sex                           n, mean and standard deviation of each numeric column
 * SELECT participant_id, sex, birth_year FROM participants
 * export sex_by_age.csv as "Sex by age band of the cohort"
 * SELECT ...                               anything else is governed SQL
 * </pre>
 *
 * @param command what the paragraph asks for
 * @param head the first line (the command with its options), or the whole text for SQL
 * @param query the lines below the first (an output's query), or empty
 */
public record Paragraph(Command command, String head, String query) {
    /** The commands of the interpreter: the one list (help, the page's completion and the docs use it). */
    public enum Command {
        HELP("help", "lists the commands"),
        TABLES("tables", "the tables you may see, with how many columns are visible, masked or denied"),
        DESCRIBE("describe TABLE", "a table's columns: visible, masked (and how) or denied for you"),
        SCHEMA("schema", "every column of every table you may see, one per row (the workbench's schema browser reads it)"),
        CROSSTAB("crosstab index=A[,B] [columns=C] [values=X aggfunc=mean|sum|median|std|count] [margins=true] [suppress]",
                "a frequency or magnitude table; the query below returns participant_id and the columns named"),
        SUMMARY("summary [by=G] [suppress]", "n, mean and standard deviation of every numeric column of the query below (by group)"),
        OLS("ols y ~ x1 + x2", "linear regression over the query below"),
        LOGIT("logit y ~ x1 + x2", "logistic regression over the query below"),
        PROBIT("probit y ~ x1 + x2", "probit regression over the query below"),
        HIST("hist x [bins=10] [suppress]", "a histogram of a numeric column of the query below"),
        KM("km time event [group=g]", "Kaplan-Meier survival curves of the query below"),
        AF("af [where=age_band=60-69,sex=F,region=Kanto,disease=C50] [by=region] variants=ID,ID | region=CHR:START-END | all",
                "allele frequencies of a stratum (or of each value of one attribute), with a chart across strata; small strata are"
                        + " refused, small counts shown as bounds, each stratum spends one query of your budget"),
        PHENOPACKET("phenopacket PARTICIPANT_ID", "one participant you may see as a GA4GH Phenopacket (v2 JSON), for your own view:"
                + " not an output, so export never writes it"),
        EXPORT("export NAME.csv [as \"what it is\"]", "writes your last checked output to the outbox with its signed record"),
        SQL("SELECT ...", "governed Spark SQL (anything that is not a command above)");

        private final String usage;
        private final String purpose;

        Command(String usage, String purpose) {
            this.usage = usage;
            this.purpose = purpose;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        public String usage() {
            return usage;
        }

        public String purpose() {
            return purpose;
        }

        /** Whether it makes a disclosure-checked output (that {@code export} can write). */
        public boolean isOutput() {
            return this == CROSSTAB || this == OLS || this == LOGIT || this == PROBIT || this == HIST || this == KM || this == SUMMARY;
        }

        static Optional<Command> ofWord(String word) {
            for (Command c : values()) {
                if (c != SQL && c.word().equals(word)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }

    private static final Pattern DESCRIBE = Pattern.compile("(?i)describe\\s+(?:table\\s+)?(`?)([A-Za-z_][A-Za-z0-9_.]*)\\1\\s*;?");
    private static final Pattern EXPORT = Pattern.compile("(?i)export\\s+([^\\s\"]+)(?:\\s+as\\s+\"([^\"]*)\")?\\s*;?");

    /**
     * @throws ValidationException saying what is missing, for a command written wrongly
     */
    public static Paragraph parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new ValidationException("the paragraph is empty: write SQL or a command (help lists them)");
        }
        int newline = t.indexOf('\n');
        String first = (newline < 0 ? t : t.substring(0, newline)).strip();
        String rest = newline < 0 ? "" : t.substring(newline + 1).strip();
        String word = first.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        Optional<Command> command = Command.ofWord(word);
        if (command.isEmpty()) {
            return new Paragraph(Command.SQL, t, "");
        }
        Command c = command.get();
        switch (c) {
            case HELP, TABLES, SCHEMA -> {
                if (!first.equalsIgnoreCase(c.word()) || !rest.isEmpty()) {
                    throw new ValidationException("'" + c.word() + "' takes nothing else: write it alone in the paragraph");
                }
                return new Paragraph(c, first, "");
            }
            case DESCRIBE -> {
                Matcher m = DESCRIBE.matcher(first);
                if (!m.matches() || !rest.isEmpty()) {
                    // Spark's own DESCRIBE forms (DESCRIBE FUNCTION, DESCRIBE QUERY ...) go to SQL
                    return new Paragraph(Command.SQL, t, "");
                }
                return new Paragraph(c, m.group(2), "");
            }
            case AF, PHENOPACKET -> {
                if (!rest.isEmpty()) {
                    throw new ValidationException("write " + c.word() + " on a line of its own: " + c.usage());
                }
                return new Paragraph(c, first, "");
            }
            case EXPORT -> {
                if (!rest.isEmpty() || !EXPORT.matcher(first).matches()) {
                    throw new ValidationException("write export on a line of its own: export NAME.csv [as \"what it is\"]");
                }
                return new Paragraph(c, first, "");
            }
            default -> {
                if (rest.isEmpty()) {
                    throw new ValidationException(c.word() + " needs a query on the lines below it, returning participant_id (one row"
                            + " per contribution) and the columns it names: " + c.usage());
                }
                return new Paragraph(c, first, rest);
            }
        }
    }

    /** An export's file name (".csv" added when missing) and what the analyst says it is (may be empty). */
    public record ExportTarget(String name, String description) {}

    public ExportTarget exportTarget() {
        Matcher m = EXPORT.matcher(head);
        if (command != Command.EXPORT || !m.matches()) {
            throw new IllegalStateException("not an export: " + head);
        }
        String name = m.group(1);
        if (!name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            name = name + ".csv";
        }
        return new ExportTarget(name, m.group(2) == null ? "" : m.group(2).strip());
    }

    /** The output's specification without the interpreter's own word {@code suppress}. */
    public String spec() {
        StringBuilder sb = new StringBuilder();
        for (String token : head.split("\\s+")) {
            if (!isSuppress(token)) {
                sb.append(sb.length() == 0 ? "" : " ").append(token);
            }
        }
        return sb.toString();
    }

    /** Whether the analyst asked to suppress failing cells ({@code suppress} or {@code suppress=true}). */
    public boolean suppress() {
        for (String token : head.split("\\s+")) {
            if (isSuppress(token)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSuppress(String token) {
        String t = token.toLowerCase(Locale.ROOT);
        return t.equals("suppress") || t.equals("suppress=true");
    }
}
