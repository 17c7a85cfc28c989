package jp.nmi.egress.security;

import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.error.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

/** The {@link Actor} of an authenticated call, read from the directory (roles as they are now, not as they were at login). */
@Component
public class CurrentActor {
    private final DirectoryStore directory;

    public CurrentActor(DirectoryStore directory) {
        this.directory = directory;
    }

    public Actor of(Authentication auth) {
        if (auth == null || !auth.isAuthenticated()) {
            throw new AccessDeniedException("no authenticated user");
        }
        return directory.user(auth.getName()).map(Actor::of)
                .orElseThrow(() -> new AccessDeniedException(auth.getName() + " is no longer in the enclave's directory"));
    }
}
