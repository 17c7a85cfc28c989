package jp.nmi.enclave.db;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestJdbcUrls {
    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://127.0.0.1:5432/enclave", "jdbc:postgresql://localhost/enclave",
        "jdbc:postgresql://[::1]:5432/enclave?ssl=false", "jdbc:postgresql://db.example:5432/enclave?sslmode=verify-full",
        "jdbc:postgresql://db.example/enclave?sslrootcert=/etc/enclave/ca.pem&sslmode=verify-full",
        "jdbc:postgresql://db1.example:5432,db2.example:5432/enclave?targetServerType=primary&SSLMODE=verify-full"})
    void loopbackOrVerifiedTlsIsAccepted(String url) {
        assertThatCode(() -> JdbcUrls.checkPostgres("--jdbc", url)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://db.example:5432/enclave", "jdbc:postgresql://db.example/enclave?sslmode=require",
        "jdbc:postgresql://db.example/enclave?sslmode=verify-ca", "jdbc:postgresql://127.0.0.1,db.example/enclave?ssl=true",
        "jdbc:postgresql://db.example/enclave?sslmode=verify-full-not&password=s3cret"})
    void anotherHostWithoutVerifiedTlsIsRefusedNamingTheHostNeverThePassword(String url) {
        assertThatThrownBy(() -> JdbcUrls.checkPostgres("--jdbc", url)).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("--jdbc reaches ").hasMessageContaining("db.example")
                .hasMessageContaining("it must be TLS with the server's name verified (add sslmode=verify-full")
                .hasMessageNotContaining("s3cret");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:mysql://db.example/enclave", "postgresql://db.example/enclave", ""})
    void onlyPostgresUrls(String url) {
        assertThatThrownBy(() -> JdbcUrls.checkPostgres("enclave.audit.anchor.jdbc", url))
                .hasMessage("enclave.audit.anchor.jdbc must be a jdbc:postgresql:// URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://ops:s3cret@db.example/enclave", "jdbc:postgresql:///enclave"})
    void hostsAreNamedWithoutCredentials(String url) {
        assertThatThrownBy(() -> JdbcUrls.checkPostgres("--jdbc", url))
                .hasMessage("--jdbc must name its host(s) after jdbc:postgresql://, without a user or password");
    }
}
