package jp.nmi.enclave.api;

import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * What enclave-core may ask of the egress service, and nothing more (ARCHITECTURE.md section 7):
 * whether a project's exports are still open there, and what the service holds for them, so that
 * closing a project destroys its quarantined copies with it. Core never reads the egress
 * service's tables or walks its directories itself.
 */
public interface EgressExports {
    /**
     * The project's export requests the egress service still holds open, sorted. Unknown is not
     * "none": when it cannot be told, this throws, and closure is refused.
     */
    List<String> pendingRequests(String project);

    /**
     * Where the egress service keeps what belongs to these open requests of the project: their
     * quarantined copies and the marks that they are open. Closing the project inventories and
     * destroys each, and lists them in its certificate.
     */
    List<Path> holdings(String project, List<String> requests);
}
