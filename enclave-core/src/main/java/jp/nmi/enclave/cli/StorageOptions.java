package jp.nmi.enclave.cli;

import java.net.URI;
import java.nio.file.Path;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.policy.RangerAdminClient;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.RangerAdminPolicyPublisher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Where the enclave's HDFS is: {@code --target hdfs://HOST:PORT/enclave} or {@code --embedded DIR}, and
 * the provider's files that go with it. A picocli mixin shared by every command that touches HDFS
 * (the egress service's command line too).
 */
public final class StorageOptions {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Where where;

    static final class Where {
        @Option(names = "--target", paramLabel = "URI",
                description = "A running HDFS and the enclave root on it, e.g. hdfs://127.0.0.1:8020/enclave.")
        URI target;

        @Option(names = "--embedded", paramLabel = "DIR",
                description = "The embedded enclave in DIR: an in-process HDFS whose data lives in DIR (created on first use),"
                        + " or the one an enclave process already serves from DIR.")
        Path embedded;
    }

    @Option(names = "--keystore", paramLabel = "FILE",
            description = "The provider's key store (created once, owner-only). Default: DIR/keys/enclave-keys.p12 with"
                    + " --embedded; $ENCLAVE_KEYSTORE or ~/.enclave/keys/enclave-keys.p12 with --target.")
    Path keyStore;

    @Option(names = "--policies", paramLabel = "FILE",
            description = "The Ranger policy file in force (embedded: DIR/policies/enclave_hive.json; with --target:"
                    + " $ENCLAVE_POLICIES or ~/.enclave/policies/enclave_hive.json).")
    Path policies;

    @Option(names = "--ranger-admin", paramLabel = "URL",
            description = "Keep the projects' policies in this Ranger Admin (production), e.g. https://ranger.example:6182, instead of"
                    + " the policy file (used by project plan/apply/close and optout apply). Its user: --ranger-user or"
                    + " $ENCLAVE_RANGER_USER; its password: --ranger-password-file or $ENCLAVE_RANGER_PASSWORD (never on the"
                    + " command line).")
    URI rangerAdmin;

    @Option(names = "--ranger-service", paramLabel = "NAME", defaultValue = "enclave_hive",
            description = "The Hive-type service in Ranger Admin that holds the enclave's policies (default: ${DEFAULT-VALUE}).")
    String rangerService;

    @Option(names = "--ranger-user", paramLabel = "NAME", description = "The Ranger Admin user (default: $ENCLAVE_RANGER_USER).")
    String rangerUser;

    @Option(names = "--ranger-password-file", paramLabel = "FILE", description = "A file holding the Ranger Admin password.")
    Path rangerPasswordFile;

    @Option(names = "--audit-log", paramLabel = "FILE",
            description = "The audit log (embedded: DIR/audit/enclave-audit.jsonl; with --target: ~/.enclave/audit/enclave-audit.jsonl).")
    Path auditLog;

    @Option(names = {"--as", "--operator"}, paramLabel = "NAME",
            description = "Who acts, as the enclave's directory knows them (an operator), for the audit log and certificates (default:"
                    + " $ENCLAVE_OPERATOR; never this machine's login name).")
    String operator;

    @Option(names = "--audit-anchor-jdbc", paramLabel = "URL",
            description = "With --target: the PostgreSQL (jdbc:postgresql://...) where every audit event is anchored, so that a log cut"
                    + " short is detected; the role (--audit-anchor-user) may only add and read anchors. Password from"
                    + " $ENCLAVE_AUDIT_ANCHOR_PASSWORD. Embedded: the enclave's own PostgreSQL, always.")
    String auditAnchorJdbc;

    @Option(names = "--audit-anchor-user", paramLabel = "NAME", defaultValue = "enclave_audit",
            description = "Its role (default: ${DEFAULT-VALUE}).")
    String auditAnchorUser;

    @Option(names = "--audit-unanchored",
            description = "With --target and no --audit-anchor-jdbc: write the audit log without anchors, knowingly (events cut off"
                    + " its end would go unnoticed).")
    boolean auditUnanchored;

    @Option(names = "--notebook-conf", paramLabel = "DIR",
            description = "The notebook server's configuration directory, where project apply and close keep the notebooks' access file"
                    + " (embedded: DIR/zeppelin/conf; with --target: $ENCLAVE_NOTEBOOK_CONF, or none).")
    Path notebookConf;

    /** Where the notebooks' access file goes, if this enclave has a notebook server. */
    public java.util.Optional<Path> notebookConfig() {
        if (notebookConf != null) {
            return java.util.Optional.of(notebookConf);
        }
        if (where.embedded != null) {
            return java.util.Optional.of(jp.nmi.enclave.notebook.NotebookAccess.embeddedConfigDirectory(where.embedded));
        }
        String env = System.getenv("ENCLAVE_NOTEBOOK_CONF");
        return env != null && !env.isBlank() ? java.util.Optional.of(Path.of(env)) : java.util.Optional.empty();
    }

    /** Brings the notebooks' access file in line with the projects and the directory, and says so. */
    void refreshNotebookAccess(EnclaveStorage storage, java.io.PrintWriter out) {
        java.util.Optional<Path> dir = notebookConfig();
        if (dir.isPresent() && jp.nmi.enclave.notebook.NotebookAccess.write(storage, dir.get())) {
            out.println("Notebooks: access regenerated in " + dir.get().resolve(jp.nmi.enclave.notebook.NotebookAccess.FILE)
                    + " (the notebook server follows within seconds).");
        }
    }

    public Path policyFile() {
        if (policies != null) {
            return policies;
        }
        if (where.embedded != null) {
            return where.embedded.toAbsolutePath().resolve("policies").resolve("enclave_hive.json");
        }
        String env = System.getenv("ENCLAVE_POLICIES");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".enclave", "policies",
                "enclave_hive.json");
    }

    /** Where the projects' policies are put in force: Ranger Admin with --ranger-admin, else the policy file. */
    public PolicyPublisher policyPublisher() {
        if (!RANGER_SERVICE.matcher(rangerService).matches()) {
            throw new ValidationException("--ranger-service '" + rangerService + "' is not a Ranger service name (letters, digits, '_'"
                    + " and '-')");
        }
        if (rangerAdmin == null) {
            if (!rangerService.equals(jp.nmi.enclave.policy.PolicySource.DEFAULT_SERVICE)) {
                throw new ValidationException("--ranger-service goes with --ranger-admin (a policy file holds the service "
                        + jp.nmi.enclave.policy.PolicySource.DEFAULT_SERVICE + ")");
            }
            String env = System.getenv("ENCLAVE_POLICIES");
            if (where.embedded == null && policies == null && (env == null || env.isBlank())) {
                // a file in the operator's home would take the policies, no notebook server would read them, and the apply
                // would look done: say where they are in force instead
                throw new ValidationException("with --target, say where the projects' policies are in force: --ranger-admin URL"
                        + " (production), or --policies FILE or $ENCLAVE_POLICIES (the file the notebook servers read)");
            }
            return PolicyPublisher.file(policyFile());
        }
        if (policies != null) {
            throw new ValidationException("--policies and --ranger-admin name two places for the policies; give one");
        }
        return new RangerAdminPolicyPublisher(rangerAdminClient(), rangerService);
    }

    /** What a Ranger service may be called here: what goes into Ranger Admin's URLs without escaping. */
    private static final java.util.regex.Pattern RANGER_SERVICE = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,255}");

    private RangerAdminClient rangerAdminClient() {
        String scheme = rangerAdmin.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme) || rangerAdmin.getHost() == null) {
            throw new ValidationException("--ranger-admin must be an http or https URL such as https://ranger.example:6182, not '"
                    + rangerAdmin + "'");
        }
        if ("http".equals(scheme) && !java.util.Set.of("127.0.0.1", "localhost", "[::1]", "::1").contains(rangerAdmin.getHost())) {
            throw new ValidationException("--ranger-admin " + rangerAdmin + " would send the Ranger Admin password in the clear: use https"
                    + " (http is accepted on the loopback address only)");
        }
        String user = rangerUser != null ? rangerUser : System.getenv("ENCLAVE_RANGER_USER");
        if (user == null || user.isBlank()) {
            throw new ValidationException("--ranger-admin needs a user: --ranger-user NAME or $ENCLAVE_RANGER_USER");
        }
        String password;
        if (rangerPasswordFile != null) {
            try {
                password = java.nio.file.Files.readString(rangerPasswordFile).strip();
            } catch (java.io.IOException e) {
                throw new ValidationException("cannot read the Ranger Admin password from " + rangerPasswordFile + ": " + e.getMessage());
            }
        } else {
            password = System.getenv("ENCLAVE_RANGER_PASSWORD");
        }
        if (password == null || password.isEmpty()) {
            throw new ValidationException("--ranger-admin needs a password: --ranger-password-file FILE or $ENCLAVE_RANGER_PASSWORD");
        }
        return new RangerAdminClient(rangerAdmin, user, password);
    }

    public Path auditLogFile() {
        if (auditLog != null) {
            return auditLog;
        }
        if (where.embedded != null) {
            return where.embedded.toAbsolutePath().resolve("audit").resolve("enclave-audit.jsonl");
        }
        return Path.of(System.getProperty("user.home"), ".enclave", "audit", "enclave-audit.jsonl");
    }

    /**
     * The command's audit log, opened on first use; close it when the command ends.
     *
     * @throws ValidationException with --target when no anchor was named and no unanchored log was asked for
     */
    AuditTrail audit() {
        Path file = auditLogFile();
        if (where.embedded != null) {
            return AuditTrail.embedded(where.embedded, file).open();
        }
        if (auditAnchorJdbc != null) {
            jp.nmi.enclave.db.JdbcUrls.checkPostgres("--audit-anchor-jdbc", auditAnchorJdbc);
            return AuditTrail.anchored(file, auditAnchorJdbc, auditAnchorUser).open();
        }
        if (auditUnanchored) {
            return AuditTrail.unanchored(file).open();
        }
        throw new ValidationException("with --target the audit log is anchored where its writer cannot rewrite it: give"
                + " --audit-anchor-jdbc URL (see docs/operators.md), or --audit-unanchored to go without, knowingly");
    }

    /**
     * Who acts, checked against the enclave's directory: an operator there (while the directory is
     * still empty, before its first accounts exist, the name given is taken as it is).
     *
     * @throws ValidationException if nobody is named, or the name is not an operator of the directory
     */
    /** The operator named by --as or $ENCLAVE_OPERATOR, unchecked, if any. */
    public java.util.Optional<String> operatorNamed() {
        String name = operator != null && !operator.isBlank() ? operator.strip() : System.getenv("ENCLAVE_OPERATOR");
        return name == null || name.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(name.strip());
    }

    public String operator(EnclaveStorage storage) {
        return operator(storage, false);
    }

    /** As {@link #operator(EnclaveStorage)}; {@code bootstrap}: the directory may be empty (only for adding its first operator). */
    public String operator(EnclaveStorage storage, boolean bootstrap) {
        String name = operator != null && !operator.isBlank() ? operator.strip() : System.getenv("ENCLAVE_OPERATOR");
        if (name == null || name.isBlank()) {
            throw new ValidationException("say who acts: --as NAME (an operator of the enclave's directory) or $ENCLAVE_OPERATOR;"
                    + " the audit log and certificates name people as the enclave knows them, not this machine's login name");
        }
        String who = name.strip();
        java.util.List<jp.nmi.enclave.directory.DirectoryUser> users = new jp.nmi.enclave.directory.DirectoryStore(storage).users();
        if (users.isEmpty()) {
            if (bootstrap) {
                return who; // the directory's first account is being made, by the operator it names
            }
            throw new ValidationException("the enclave's directory has no users: nobody can act as an operator until the first one is"
                    + " added (./enclave users add NAME --role operator --as NAME)");
        }
        var user = users.stream().filter(u -> u.user().equals(who)).findFirst().orElseThrow(() -> new ValidationException("'" + who
                + "' is not a user of the enclave's directory" + jp.nmi.enclave.directory.Identities.suggestion(who, users.stream()
                        .filter(jp.nmi.enclave.directory.DirectoryUser::isOperator).map(jp.nmi.enclave.directory.DirectoryUser::user).toList())
                + ": --as names an operator"));
        if (!user.isOperator()) {
            throw new ValidationException("'" + who + "' is " + String.join(" and ", user.roles()) + " in the enclave's directory, not an"
                    + " operator: only operators provision projects, record opt-outs and publish data");
        }
        return who;
    }

    /** The options that say where the enclave is, as they would be typed again (for a command printed to be pasted). */
    public String whereArguments() {
        return where.embedded != null ? "--embedded " + where.embedded : "--target " + where.target;
    }

    public EnclaveStorage open() {
        if (where.embedded != null) {
            return jp.nmi.enclave.hdfs.EmbeddedStorage.open(where.embedded);
        }
        return EnclaveStorage.connect(where.target);
    }

    public Path keyStore() {
        if (keyStore != null) {
            return keyStore;
        }
        if (where.embedded != null) {
            return jp.nmi.enclave.pseudonym.KeyStoreFile.embeddedPath(where.embedded);
        }
        String env = System.getenv("ENCLAVE_KEYSTORE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String home = System.getProperty("user.home");
        if (home == null) {
            throw new ValidationException("--keystore is required: no home directory to default to");
        }
        return Path.of(home, ".enclave", "keys", "enclave-keys.p12");
    }

    /** The local directory of the embedded enclave, or null with --target. */
    public Path embeddedDir() {
        return where.embedded;
    }
}
