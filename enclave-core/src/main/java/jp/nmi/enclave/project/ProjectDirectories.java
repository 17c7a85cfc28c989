package jp.nmi.enclave.project;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import java.io.FileNotFoundException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.fs.permission.AclEntryScope;
import org.apache.hadoop.fs.permission.AclEntryType;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * A project's HDFS directories and who may do what in them:
 *
 * <pre>
 * projects/&lt;id&gt;/           0750 enclave:&lt;group&gt;  members r-x, egress --x     (state files inside: provider only)
 * projects/&lt;id&gt;/extract/   0700                 the enclave's services only
 * projects/&lt;id&gt;/workspace/ 0700                 the enclave's services only
 * projects/&lt;id&gt;/outbox/    0770                 members rwx, egress r-x (and defaults)
 * </pre>
 *
 * The extract and the workspace are read only through governed sessions, which run as the
 * enclave's service account: a member reading their files directly would get around Ranger's row
 * filters, masks and column denials (an industry member would see participants whose consent
 * prohibits commercial use, which the extract keeps for the project's academic members).
 *
 * Named-user ACL entries carry the membership, so it holds whatever groups the operating system
 * knows. The project's group is recorded as the directories' group where this process may give it
 * (the HDFS superuser: the embedded enclave); the enclave's own account on a production HDFS is not,
 * and its directories keep the group they inherit from {@code /enclave}.
 */
final class ProjectDirectories {
    static final String OWNER = "enclave";
    static final String EGRESS_USER = "egress";

    /** What one directory should be. */
    record Desired(Path path, short mode, String owner, String group, Set<String> acl) {
        String describe() {
            return String.format(Locale.ROOT, "%04o %s:%s, ACL %s", mode, owner, group == null ? "(inherited)" : group, acl.isEmpty() ? "none" : String.join(",",
                    acl.stream().sorted().toList()));
        }
    }

    private final EnclaveStorage storage;
    private Boolean superuser;

    ProjectDirectories(EnclaveStorage storage) {
        this.storage = storage;
    }

    List<Desired> desired(ProjectSpec spec) {
        Path dir = storage.layout().project(spec.id());
        // projects/ itself: members traverse it to their project, nobody lists the others (checked in apply)
        List<String> members = spec.members().stream().map(jp.nmi.enclave.project.ProjectMember::user).sorted().toList();
        String group = groupSettable(spec.group()) ? spec.group() : null;
        List<Desired> out = new ArrayList<>();
        out.add(new Desired(dir, (short) 0750, OWNER, group, acl(members, "r-x", false, EGRESS_USER, "--x", false)));
        out.add(new Desired(new Path(dir, "extract"), (short) 0700, OWNER, group, Set.of()));
        out.add(new Desired(new Path(dir, "workspace"), (short) 0700, OWNER, group, Set.of()));
        out.add(new Desired(new Path(dir, "outbox"), (short) 0770, OWNER, group, acl(members, "rwx", true, EGRESS_USER, "r-x", true)));
        return out;
    }

    /** How {@code d} differs from what is on HDFS, or null if it does not. */
    String difference(Desired d) {
        try {
            FileStatus status;
            try {
                status = storage.fs().getFileStatus(d.path());
            } catch (FileNotFoundException e) {
                return "create " + d.describe();
            }
            List<String> diffs = new ArrayList<>();
            if (status.getPermission().toShort() != d.mode() && (status.getPermission().toShort() & 0777) != d.mode()) {
                diffs.add(String.format(Locale.ROOT, "mode %04o -> %04o", status.getPermission().toShort() & 0777, d.mode()));
            }
            if (!status.getOwner().equals(d.owner()) || d.group() != null && !status.getGroup().equals(d.group())) {
                diffs.add("owner " + status.getOwner() + ":" + status.getGroup() + " -> " + d.owner() + ":"
                        + (d.group() == null ? status.getGroup() : d.group()));
            }
            Set<String> actual = actualAcl(d.path());
            if (!actual.equals(d.acl())) {
                Set<String> added = new HashSet<>(d.acl());
                added.removeAll(actual);
                Set<String> removed = new HashSet<>(actual);
                removed.removeAll(d.acl());
                diffs.add("ACL" + (added.isEmpty() ? "" : " +" + String.join(",", added.stream().sorted().toList()))
                        + (removed.isEmpty() ? "" : " -" + String.join(",", removed.stream().sorted().toList())));
            }
            return diffs.isEmpty() ? null : String.join("; ", diffs);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + d.path() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether this process may make {@code group} a directory's group: HDFS lets the superuser (whom
     * the NameNode runs as, the owner of "/") do it, or a member of the group as the NameNode sees it
     * (which this host cannot tell).
     */
    private boolean groupSettable(String group) {
        try {
            org.apache.hadoop.security.UserGroupInformation me = org.apache.hadoop.security.UserGroupInformation.getCurrentUser();
            if (superuser == null) {
                superuser = storage.fs().getFileStatus(new Path("/")).getOwner().equals(me.getShortUserName());
            }
            // the NameNode decides group membership, not this host: only the superuser is sure to be let
            return superuser;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the owner of / on HDFS: " + e.getMessage(), e);
        }
    }

    void apply(Desired d) {
        try {
            Path projects = storage.layout().projects();
            if (!storage.fs().exists(projects)) {
                storage.fs().mkdirs(projects);
            }
            if ((storage.fs().getFileStatus(projects).getPermission().toShort() & 0777) != 0711) {
                storage.fs().setPermission(projects, new FsPermission((short) 0711));
            }
            storage.fs().mkdirs(d.path());
            storage.fs().setOwner(d.path(), d.owner(), d.group());
            storage.fs().setPermission(d.path(), new FsPermission(d.mode()));
            storage.fs().removeAcl(d.path());
            if (!d.acl().isEmpty()) {
                List<AclEntry> entries = new ArrayList<>();
                for (String e : d.acl()) {
                    entries.add(AclEntry.parseAclEntry(e, true));
                }
                storage.fs().modifyAclEntries(d.path(), entries);
            }
            // modifyAclEntries recomputes the mask; keep the group bits of the mode as meant
            storage.fs().setPermission(d.path(), new FsPermission(d.mode()));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot set up " + d.path() + ": " + e.getMessage(), e);
        }
    }

    private Set<String> actualAcl(Path path) throws IOException {
        Set<String> out = new HashSet<>();
        for (AclEntry e : storage.fs().getAclStatus(path).getEntries()) {
            if (e.getName() != null && e.getType() == AclEntryType.USER) {
                out.add(e.toStringStable());
            }
        }
        return out;
    }

    private static Set<String> acl(List<String> members, String memberPerm, boolean memberDefault, String service, String servicePerm,
            boolean serviceDefault) {
        Set<String> out = new HashSet<>();
        for (String m : members) {
            out.add(entry(AclEntryScope.ACCESS, m, memberPerm));
            if (memberDefault) {
                out.add(entry(AclEntryScope.DEFAULT, m, memberPerm));
            }
        }
        if (service != null) {
            out.add(entry(AclEntryScope.ACCESS, service, servicePerm));
            if (serviceDefault) {
                out.add(entry(AclEntryScope.DEFAULT, service, servicePerm));
            }
        }
        return out;
    }

    private static String entry(AclEntryScope scope, String user, String perm) {
        return new AclEntry.Builder().setScope(scope).setType(AclEntryType.USER).setName(user)
                .setPermission(FsAction.getFsAction(perm)).build().toStringStable();
    }
}
