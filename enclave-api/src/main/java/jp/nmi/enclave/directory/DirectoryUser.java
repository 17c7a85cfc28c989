package jp.nmi.enclave.directory;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Set;
import jp.nmi.enclave.error.ValidationException;

/**
 * One account of the enclave's directory.
 *
 * @param user the login name, as project specs and Ranger policies name it
 * @param roles what the user is: {@code analyst} (works in the projects that name them),
 *     {@code steward} (reviews exports), {@code operator} (provisions projects), {@code approver} (the
 *     provider's approver of regulatory submissions, the second review of record-level data for a regulator),
 *     {@code researcher} (a registered researcher without a project: cohort discovery only)
 * @param passwordHash a {@link PasswordHash}, or null for accounts that log in through OIDC or LDAP
 */
public record DirectoryUser(String user, List<String> roles, String passwordHash) {
    public static final String ANALYST = "analyst";
    public static final String STEWARD = "steward";
    public static final String OPERATOR = "operator";
    public static final String APPROVER = "approver";
    public static final String RESEARCHER = "researcher";
    private static final Set<String> ROLES = Set.of(ANALYST, STEWARD, OPERATOR, APPROVER, RESEARCHER);
    /**
     * Names of accounts on the enclave's HDFS and hosts. Project directories' ACLs name members: a
     * member named {@code nobody} would open a project to every principal of the realm (all of them
     * are {@code nobody} on the enclave's HDFS), one named {@code egress} would give the egress
     * service write access to an outbox. Checked when a user is added; a directory that already has
     * one still loads ({@link DirectoryStore}).
     */
    public static final Set<String> RESERVED = Set.of("root", "hdfs", "enclave", "egress", "nobody", "supergroup", "hadoop", "yarn",
            "mapred", "spark", "hive", "httpfs", "kms", "ranger", "zeppelin", "postgres");

    /** @throws ValidationException if {@code user} names an account of the enclave's HDFS or hosts ({@link #RESERVED}) */
    public static void checkNotReserved(String user) {
        if (RESERVED.contains(user)) {
            throw new ValidationException("user '" + user + "' is reserved: it names an account of the enclave's HDFS or hosts, which"
                    + " the project directories' ACLs would grant what they grant the user; choose another name");
        }
    }

    public DirectoryUser {
        requireNonNull(user, "user is null");
        if (!user.matches("[a-z][a-z0-9._-]{0,31}")) {
            throw new ValidationException("user '" + user + "' is not a valid user name (lower-case letters, digits, . _ -; at most 32)");
        }
        roles = List.copyOf(requireNonNull(roles, "roles is null"));
        for (String r : roles) {
            if (!ROLES.contains(r)) {
                throw new ValidationException("user " + user + ": unknown role '" + r + "' (known: analyst, steward, operator, approver, researcher)");
            }
        }
        // Separation of duties: whoever provisions projects never approves what leaves them.
        // A regulatory submission needs a steward and the provider's approver: two people, never one holding both.
        // The approver speaks for the provider: never an analyst (whose company may be the one applying), steward or operator.
        if (roles.contains(APPROVER) && roles.size() > 1) {
            throw new ValidationException("user " + user + " cannot be approver and " + String.join(" and ", roles.stream()
                    .filter(r -> !r.equals(APPROVER)).toList()) + ": the provider's approver of regulatory submissions holds no other role");
        }
        // Whoever provisions projects is not one of their analysts either: an operator's own data access would go unreviewed.
        if (roles.contains(ANALYST) && roles.contains(OPERATOR)) {
            throw new ValidationException("user " + user + " cannot be both analyst and operator: operators provision the projects"
                    + " analysts work in");
        }
        if (roles.contains(STEWARD) && roles.contains(OPERATOR)) {
            throw new ValidationException("user " + user + " cannot be both steward and operator: operators provision the projects"
                    + " whose exports stewards approve");
        }
    }

    @JsonIgnore
    public boolean isSteward() {
        return roles.contains(STEWARD);
    }

    @JsonIgnore
    public boolean isOperator() {
        return roles.contains(OPERATOR);
    }

    @JsonIgnore
    public boolean isApprover() {
        return roles.contains(APPROVER);
    }

    @JsonIgnore
    public boolean isAnalyst() {
        return roles.contains(ANALYST);
    }

    /** A registered researcher: may count cohorts before any project (analysts are researchers too). */
    @JsonIgnore
    public boolean isResearcher() {
        return roles.contains(RESEARCHER) || roles.contains(ANALYST);
    }
}
