package jp.nmi.egress.request;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import jp.nmi.egress.testing.EgressFixture;
import jp.nmi.egress.testing.RequestFixtures;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests, Reviews and Releases as services, without HTTP (EgressWorkflowIT drives the same through
 * the API): every status reached through them, and their refusals with their messages.
 */
class RequestServicesIT {
    static EgressFixture fx;
    static EgressFixture.Service svc;
    static RequestFixtures requests;

    @BeforeAll
    static void start() {
        fx = EgressFixture.get();
        svc = fx.start();
        requests = new RequestFixtures(fx, svc);
    }

    @AfterAll
    static void stop() {
        if (svc != null) {
            svc.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = RequestStatus.class, names = "APPROVED", mode = EnumSource.Mode.EXCLUDE)
    void everyStatusIsReachedThroughTheServicesAlone(RequestStatus status) {
        String id = requests.atStatus(status, "s" + status.ordinal());
        assertThat(requests.requests().view(fx.actor(ANALYST_ALICE), id).status()).isEqualTo(status);
    }

    @Test
    void onlyStewardsReviewAndAReviewDecidesSomething() {
        String id = requests.atStatus(RequestStatus.SUBMITTED, "r1");
        assertThatThrownBy(() -> requests.reviews().review(fx.actor(ANALYST_ALICE), id, Map.of("a-r1.csv",
                new Reviews.FileReview("approve", "", "")))).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: alice is not a steward: only stewards review, return, reject and release exports");
        assertThatThrownBy(() -> requests.reviews().review(fx.actor(STEWARD_SATO), id, Map.of())).isInstanceOf(ValidationException.class)
                .hasMessage("a review needs a decision on at least one file");
        assertThatThrownBy(() -> requests.reviews().review(fx.actor(STEWARD_SATO), id, Map.of("nope.csv",
                new Reviews.FileReview("approve", "", "")))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("request " + id + " has no file 'nope.csv' (files: ");
        // nothing refused changed anything
        assertThat(requests.requests().view(fx.actor(ANALYST_ALICE), id).status()).isEqualTo(RequestStatus.SUBMITTED);
    }

    @Test
    void aReleaseWaitsForTwoReviewsAndTheTableDecidesWhatFollows() {
        String id = requests.atStatus(RequestStatus.PARTIALLY_REVIEWED, "r2");
        assertThatThrownBy(() -> requests.releases().release(fx.actor(STEWARD_SATO), id))
                .isInstanceOf(InvalidStateTransitionException.class)
                .hasMessageStartingWith("request " + id + " is partially_reviewed and cannot become released");
        String released = requests.atStatus(RequestStatus.RELEASED, "r3");
        for (String op : List.of("withdraw", "submit")) {
            assertThatThrownBy(() -> {
                if (op.equals("withdraw")) {
                    requests.requests().withdraw(fx.actor(ANALYST_ALICE), released);
                } else {
                    requests.requests().submit(fx.actor(ANALYST_ALICE), released);
                }
            }).hasMessageContaining(released).hasMessageContaining("released");
        }
    }
}
