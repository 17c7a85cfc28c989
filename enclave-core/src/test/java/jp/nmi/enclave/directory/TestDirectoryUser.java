package jp.nmi.enclave.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The directory's rules of separation, one case per pair of roles that may not meet in one person. */
class TestDirectoryUser {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "analyst,operator | user u cannot be both analyst and operator: operators provision the projects analysts work in",
        "steward,operator | user u cannot be both steward and operator: operators provision the projects whose exports stewards approve",
        "approver,steward | user u cannot be approver and steward: the provider's approver of regulatory submissions holds no other role",
        "approver,operator | user u cannot be approver and operator: the provider's approver of regulatory submissions holds no other role",
        "analyst,approver | user u cannot be approver and analyst: the provider's approver of regulatory submissions holds no other role",
        "approver,manager | user u: unknown role 'manager' (known: analyst, steward, operator, approver, researcher)"})
    void rolesThatMayNotMeetAreRefused(String roles, String message) {
        assertThatThrownBy(() -> new DirectoryUser("u", List.of(roles.split(",")), null))
                .isInstanceOf(ValidationException.class).hasMessage(message);
    }

    /** Project directories' ACLs name members: a member named as an HDFS account would give that account what members get. */
    @ParameterizedTest
    @CsvSource({"root", "hdfs", "enclave", "egress", "nobody", "supergroup", "hadoop", "ranger"})
    void namesOfTheHdfsAccountsAreNobodysLogin(String name) {
        assertThatThrownBy(() -> DirectoryUser.checkNotReserved(name)).isInstanceOf(ValidationException.class)
                .hasMessage("user '" + name + "' is reserved: it names an account of the enclave's HDFS or hosts, which the project"
                        + " directories' ACLs would grant what they grant the user; choose another name");
    }

    @ParameterizedTest
    @CsvSource({"approver", "steward", "analyst", "operator", "analyst;steward"})
    void rolesThatMayMeetAreKept(String roles) {
        assertThat(new DirectoryUser("u", List.of(roles.split(";")), null).roles()).containsExactly(roles.split(";"));
    }
}
