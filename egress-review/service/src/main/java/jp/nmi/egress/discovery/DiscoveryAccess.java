package jp.nmi.egress.discovery;

import jp.nmi.egress.security.Actor;
import jp.nmi.egress.security.CurrentActor;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.error.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/** Who may count: registered researchers (role researcher, or analyst), as the directory says now. */
@Component
public class DiscoveryAccess {
    private final CurrentActor current;
    private final DirectoryStore directory;
    private final boolean served;

    public DiscoveryAccess(CurrentActor current, DirectoryStore directory,
            @org.springframework.beans.factory.annotation.Value("${enclave.discovery:on}") String discovery) {
        this.current = current;
        this.directory = directory;
        this.served = !"off".equals(discovery);
    }

    /** Whether the actor may use discovery. */
    public boolean canDiscover(Actor actor) {
        return directory.user(actor.user()).map(DirectoryUser::isResearcher).orElse(false);
    }

    /**
     * The researcher making the call.
     *
     * @throws AccessDeniedException for anyone else
     */
    public Actor checkCanDiscover(Authentication auth) {
        if (!served) {
            // an instance of the service for the egress review only, whose account may not read the datasets
            throw new jp.nmi.enclave.error.NotFoundException("cohort discovery is not served by this instance of the service");
        }
        Actor actor = current.of(auth);
        if (!canDiscover(actor)) {
            throw new AccessDeniedException(actor.user() + " is not a registered researcher: cohort discovery is for researchers and"
                    + " analysts");
        }
        return actor;
    }
}
