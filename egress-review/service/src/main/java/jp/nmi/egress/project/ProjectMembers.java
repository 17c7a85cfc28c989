package jp.nmi.egress.project;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import jp.nmi.enclave.api.EnclaveLayout;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.FreshFiles;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Projects as the egress service sees them: the member list that provisioning writes to
 * {@code <root>/projects/<id>/members.json}, read fresh for every decision so that a member removed
 * from a project loses access at once (parsed again only when the file changed: {@link FreshFiles}).
 */
public final class ProjectMembers {
    /** The enclave's dates are Japanese dates. */
    public static final ZoneId ZONE = ZoneId.of("Asia/Tokyo");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final FileSystem fs;
    private final EnclaveLayout layout;
    private final FreshFiles<jp.nmi.enclave.project.MemberList> fresh = new FreshFiles<>(in -> JSON.readValue(in, jp.nmi.enclave.project.MemberList.class), 4096);

    public ProjectMembers(FileSystem fs, EnclaveLayout layout) {
        this.fs = fs;
        this.layout = layout;
    }

    public Optional<jp.nmi.enclave.project.MemberList> members(String project) {
        if (project == null || !project.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            return Optional.empty();
        }
        Path p = new Path(layout.project(project), "members.json");
        try {
            return fresh.read(fs, p);
        } catch (org.apache.hadoop.security.AccessControlException e) {
            throw new EnclaveStorageException("the egress service may not read the members of " + project + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the members of " + project + ": " + e.getMessage(), e);
        }
    }

    public boolean isMember(String project, String user) {
        return members(project).map(m -> m.members().stream().anyMatch(x -> x.user().equals(user))).orElse(false);
    }

    /** Whether the project is active and today (in Japan) lies within its approved dates. */
    public static boolean isOpen(jp.nmi.enclave.project.MemberList m, LocalDate today) {
        return m.status() == jp.nmi.enclave.project.ProjectStatus.ACTIVE && !today.isBefore(LocalDate.parse(m.start())) && !today.isAfter(LocalDate.parse(m.end()));
    }
}
