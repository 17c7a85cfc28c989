package jp.nmi.enclave.io;

/** Values of a provider's file (opt-outs, consent changes) as refusals may show them. */
public final class FileValues {
    private FileValues() {}

    /**
     * A value from the file, quoted, only if it looks like a word of the file's vocabulary
     * (lower-case letters, '_' and '-'): a header line missing or a column shifted puts patient IDs
     * where names are expected, and those never go into a message, a terminal or the audit log.
     *
     * @param column the value's position when it is a header, or 0
     */
    public static String shown(String value, int column) {
        if (value != null && value.matches("[a-z][a-z_-]{0,31}")) {
            return "'" + value + "'";
        }
        return column > 0 ? "in position " + column + " (not shown: not a field name)" : "(not shown: not a word of the file)";
    }
}
