package jp.nmi.enclave.dataset;

/** The column types a dataset may hold, with their Spark SQL names. */
public enum ColumnType {
    STRING("string"),
    INT("int"),
    LONG("bigint"),
    DOUBLE("double"),
    BOOLEAN("boolean"),
    DATE("date"),
    STRING_ARRAY("array<string>");

    private final String sqlType;

    ColumnType(String sqlType) {
        this.sqlType = sqlType;
    }

    /** The type as Spark SQL spells it, e.g. {@code array<string>}. */
    public String sqlType() {
        return sqlType;
    }
}
