package jp.nmi.enclave.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.directory.PasswordHash;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave users}: the enclave's directory of people and their roles. */
@Command(name = "users", mixinStandardHelpOptions = true,
        description = {"The enclave's directory: who may log in, in which roles (analyst, steward, operator, approver, researcher).",
            "Project specs, the egress service and the notebooks check people against it."},
        subcommands = {UsersCommand.ListUsers.class, UsersCommand.Add.class, UsersCommand.Remove.class})
final class UsersCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the directory's users and their roles.")
    static final class ListUsers implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (EnclaveStorage s = storage.open()) {
                List<DirectoryUser> users = new DirectoryStore(s).users();
                if (users.isEmpty()) {
                    out.println("The enclave's directory has no users yet: add the first operator with ./enclave users add NAME --role"
                            + " operator --as NAME " + storage.whereArguments());
                }
                for (DirectoryUser u : users) {
                    out.printf(Locale.ROOT, "%-12s %-24s %s%n", u.user(), String.join(", ", u.roles()),
                            u.passwordHash() == null ? "logs in through LDAP or OIDC" : "password set");
                }
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add a user with their roles.",
                "The password is read from a file (its first line), or the user logs in",
                "through LDAP or OIDC only. The directory's separation rules apply: nobody is both steward and operator, and",
                "the provider's approver holds no other role."})
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "NAME", description = "The login name (lower-case letters, digits, . _ -).")
        String name;
        @Option(names = "--role", paramLabel = "ROLE", required = true, description = "analyst, steward, operator, approver or researcher (repeatable).")
        List<String> roles;
        @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is the password (at least 12 characters).")
        Path passwordFile;

        @Override
        public Integer call() throws IOException {
            String hash = null;
            if (passwordFile != null) {
                if (roles.contains(DirectoryUser.STEWARD) || roles.contains(DirectoryUser.APPROVER)) {
                    // an operator who set a steward's password could approve the outputs of projects they provision
                    throw new ValidationException("stewards and approvers log in through LDAP or OIDC: an operator never sets their"
                            + " password (leave out --password-file)");
                }
                try {
                    var perms = Files.getPosixFilePermissions(passwordFile);
                    if (perms.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
                        throw new ValidationException(passwordFile + " can be read by others: make it owner-only (chmod 600) first");
                    }
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: nothing to check
                }
                List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
                String password = lines.isEmpty() ? "" : lines.get(0).replace("\uFEFF", "");
                if (password.length() < 12) {
                    throw new ValidationException("the password in " + passwordFile + " is " + password.length()
                            + " characters; at least 12 are needed");
                }
                hash = PasswordHash.hash(password.toCharArray());
            }
            DirectoryUser user = new DirectoryUser(name, roles, hash);
            try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
                DirectoryStore directory = new DirectoryStore(s);
                List<DirectoryUser> users = new ArrayList<>(directory.users());
                String operator = storage.operator(s, true);
                if (users.stream().anyMatch(u -> u.user().equals(name))) {
                    throw new ValidationException("'" + name + "' is already a user of the enclave's directory (" + String.join(", ",
                            users.stream().filter(u -> u.user().equals(name)).findFirst().orElseThrow().roles())
                            + "): remove them first to change their roles");
                }
                if (users.isEmpty() && (!roles.contains(DirectoryUser.OPERATOR) || !name.equals(operator))) {
                    throw new ValidationException("the directory is empty: its first user is the operator adding themselves"
                            + " (./enclave users add NAME --role operator --as NAME)");
                }
                users.add(user);
                directory.write(users);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("user", name);
                d.put("roles", roles);
                d.put("password", hash != null);
                audit.append(new AuditRecord(operator, null, "directory.add", "ok", d));
                spec.commandLine().getOut().println("Added " + name + " (" + String.join(", ", roles) + ") to the enclave's directory.");
                storage.refreshNotebookAccess(s, spec.commandLine().getOut());
            }
            spec.commandLine().getOut().flush();
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove a user: they can no longer log in, and project specs naming them are refused at the next plan.",
                "Remove them from their projects' specs too (apply) to revoke their access to the data."})
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "NAME", description = "The login name.")
        String name;

        @Override
        public Integer call() {
            try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
                DirectoryStore directory = new DirectoryStore(s);
                String operator = storage.operator(s);
                if (name.equals(operator)) {
                    throw new ValidationException("an operator does not remove themselves: ask another operator");
                }
                List<DirectoryUser> users = new ArrayList<>(directory.users());
                if (users.stream().noneMatch(u -> u.user().equals(name))) {
                    throw new NotFoundException("'" + name + "' is not a user of the enclave's directory");
                }
                // access to data is revoked by the specs (apply), not by the directory: refuse while it would stay
                jp.nmi.enclave.project.ProjectStore projects = new jp.nmi.enclave.project.ProjectStore(s);
                List<String> memberOf = projects.ids().stream().filter(id -> projects.members(id).filter(m -> m.status()
                        == jp.nmi.enclave.project.ProjectStatus.ACTIVE && m.members().stream().anyMatch(x -> x.user().equals(name)))
                        .isPresent()).toList();
                if (!memberOf.isEmpty()) {
                    throw new ValidationException("'" + name + "' is a member of " + String.join(", ", memberOf) + ": remove them from"
                            + " the spec and apply it first, so that their access to the data ends, then from the directory");
                }
                if (users.stream().filter(DirectoryUser::isOperator).count() == 1
                        && users.stream().anyMatch(u -> u.user().equals(name) && u.isOperator())) {
                    throw new ValidationException("'" + name + "' is the directory's last operator");
                }
                users.removeIf(u -> u.user().equals(name));
                directory.write(users);
                audit.append(new AuditRecord(operator, null, "directory.remove", "ok", Map.of("user", name)));
                spec.commandLine().getOut().println("Removed " + name + " from the enclave's directory.");
                storage.refreshNotebookAccess(s, spec.commandLine().getOut());
            }
            spec.commandLine().getOut().flush();
            return EnclaveCli.EXIT_OK;
        }
    }
}
