package jp.nmi.enclave.discovery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import jp.nmi.enclave.error.ValidationException;

/**
 * What a researcher counts: {@code field=value[|value...]} (any of them) or {@code field!=value}
 * (none of them), joined by {@code ,} (and); groups joined by {@code ;} (or).
 * {@code icd10=C50,sample_type=dna,sex=F;icd10=C34,genotypes=yes}.
 *
 * <p>Sample fields ({@code sample_type}, {@code biobank}, {@code age_at_collection}) speak of one
 * sample: in a group, the positive sample terms hold for one and the same sample (frozen DNA at
 * Chuo, collected at 50-59). A negated sample term speaks of the participant: {@code biobank!=Chuo
 * Biobank} is someone with no sample there. {@code commercial=yes} is a consent that allows
 * commercial use explicitly; an unknown consent does not.
 *
 * @param anyOf the groups, any of which a participant may satisfy; each is a list of terms all of which hold
 */
public record Criteria(List<List<Term>> anyOf) {
    /** What can be asked of a participant. */
    public enum Field {
        ICD10("icd10"), SAMPLE_TYPE("sample_type"), BIOBANK("biobank"), AGE_BAND("age_band"), SEX("sex"), REGION("region"),
        DUO("duo"), COMMERCIAL("commercial"), GENOTYPES("genotypes"), AGE_AT_COLLECTION("age_at_collection");

        private final String label;

        Field(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Optional<Field> of(String label) {
            return Arrays.stream(values()).filter(f -> f.label.equals(label)).findFirst();
        }

        /** A sample's, not a participant's: in one group, the sample terms hold for the same sample. */
        public boolean ofSample() {
            return this == SAMPLE_TYPE || this == BIOBANK || this == AGE_AT_COLLECTION;
        }

        static String labels() {
            return Arrays.stream(values()).map(Field::label).collect(Collectors.joining(", "));
        }
    }

    /** One condition: the field has one of the values, or ({@code negated}) none of them. */
    public record Term(Field field, boolean negated, List<String> values) {
        public Term {
            values = List.copyOf(values);
        }

        /** The same values, asked for rather than excluded. */
        Term positive() {
            return new Term(field, false, values);
        }

        @Override
        public String toString() {
            return field.label() + (negated ? "!=" : "=") + String.join("|", values);
        }
    }

    static final int MAX_GROUPS = 8;
    static final int MAX_VALUES = 64;
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[\\p{L}\\p{N}._()+-]([\\p{L}\\p{N} ._()+-]{0,62}[\\p{L}\\p{N}._()+-])?");
    static final int MAX_TERMS = 16;
    static final int MAX_LENGTH = 2000;

    public Criteria {
        anyOf = anyOf.stream().map(List::copyOf).toList();
    }

    /** Parses criteria; an unknown field or a malformed value is refused with what was expected. */
    public static Criteria parse(String where) {
        if (where == null || where.isBlank()) {
            throw new ValidationException("--where: say what to count, e.g. icd10=C50,sample_type=dna");
        }
        if (where.length() > MAX_LENGTH) {
            throw new ValidationException("--where: criteria longer than " + MAX_LENGTH + " characters");
        }
        List<List<Term>> groups = new ArrayList<>();
        for (String group : where.split(";", -1)) {
            List<Term> terms = new ArrayList<>();
            for (String part : group.split(",", -1)) {
                String p = part.strip();
                int ne = p.indexOf("!=");
                int eq = p.indexOf('=');
                if (eq < 0) {
                    throw new ValidationException("--where: '" + p + "' is not field=value or field!=value (fields: " + Field.labels() + ")");
                }
                boolean negated = ne >= 0 && ne < eq;
                String name = p.substring(0, negated ? ne : eq).strip().toLowerCase(Locale.ROOT);
                Field f = Field.of(name).orElseThrow(() -> new ValidationException("--where: unknown field '" + name + "' (fields: "
                        + Field.labels() + ")"));
                LinkedHashSet<String> values = new LinkedHashSet<>();
                for (String v : p.substring(eq + 1).split("\\|", -1)) {
                    values.add(check(f, v.strip()));
                }
                terms.add(new Term(f, negated, new ArrayList<>(values)));
            }
            if (terms.size() > MAX_TERMS) {
                throw new ValidationException("--where: a group has " + terms.size() + " conditions; at most " + MAX_TERMS);
            }
            groups.add(terms);
        }
        int values = groups.stream().flatMap(List::stream).mapToInt(t -> t.values().size()).sum();
        if (values > MAX_VALUES) {
            throw new ValidationException("--where: " + values + " values in all; at most " + MAX_VALUES);
        }
        if (groups.size() > MAX_GROUPS) {
            throw new ValidationException("--where: " + groups.size() + " groups joined by ';'; at most " + MAX_GROUPS);
        }
        return new Criteria(groups);
    }

    private static String check(Field f, String v) {
        boolean ok = switch (f) {
            case ICD10 -> Icd10Catalog.isTerm(v);
            case AGE_BAND -> jp.nmi.enclave.dataset.AgeBands.labels().contains(v);
            case SEX -> v.equals("F") || v.equals("M");
            case REGION -> jp.nmi.enclave.dataset.Region.of(v).isPresent();
            case COMMERCIAL, GENOTYPES -> v.equals("yes") || v.equals("no");
            case DUO -> v.matches("[A-Z]{2,6}(:MONDO:[0-9]{7})?");
            case SAMPLE_TYPE, BIOBANK -> NAME.matcher(v).matches();
            case AGE_AT_COLLECTION -> ageRange(v) != null;
        };
        if (!ok) {
            String expected = switch (f) {
                case ICD10 -> "an ICD-10 code, prefix or range such as C50, F03.1 or C00-D48";
                case AGE_BAND -> String.join(", ", jp.nmi.enclave.dataset.AgeBands.labels());
                case SEX -> "F, M";
                case REGION -> String.join(", ", jp.nmi.enclave.dataset.Region.labels());
                case COMMERCIAL, GENOTYPES -> "yes, no";
                case DUO -> "a DUO code such as GRU, HMB or DS:MONDO:0007254";
                case SAMPLE_TYPE, BIOBANK -> "a name of letters, digits, spaces and . _ ( ) + -, at most 64";
                case AGE_AT_COLLECTION -> "a range of years such as 50-59 (0 to 130)";
            };
            throw new ValidationException("--where: " + f.label() + " cannot be '" + v + "' (expected " + expected + ")");
        }
        return v;
    }

    /** A name (of a biobank, a sample type) as criteria and policies may hold it: no control or separator characters. */
    static void checkName(String field, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValidationException(field + ": '" + name + "' is not a name of letters, digits, spaces and . _ ( ) + -, at most 64");
        }
    }

    /** An age range {@code lo-hi} (inclusive), or null when {@code v} is not one. */
    static int[] ageRange(String v) {
        var m = java.util.regex.Pattern.compile("([0-9]{1,3})-([0-9]{1,3})").matcher(v);
        if (!m.matches()) {
            return null;
        }
        int lo = Integer.parseInt(m.group(1));
        int hi = Integer.parseInt(m.group(2));
        return lo <= hi && hi <= 130 ? new int[] {lo, hi} : null;
    }

    /** The canonical spelling, as {@link #parse} reads it. */
    @Override
    public String toString() {
        return anyOf.stream().map(g -> g.stream().map(Term::toString).collect(Collectors.joining(","))).collect(Collectors.joining(";"));
    }
}
