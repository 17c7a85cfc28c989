package jp.nmi.egress.testing;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static jp.nmi.enclave.testing.Personas.STEWARD_SUZUKI;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.request.ExportRequest;
import jp.nmi.egress.request.Releases;
import jp.nmi.egress.request.RequestFile;
import jp.nmi.egress.request.RequestRepository;
import jp.nmi.egress.request.RequestStatus;
import jp.nmi.egress.request.Requests;
import jp.nmi.egress.request.Reviews;

/**
 * Requests brought to a status through the services alone (no HTTP), for the tests of the services
 * and of what happens around them: alice's two small tables in DEMO-1, reviewed by sato and suzuki.
 */
public final class RequestFixtures {
    private final EgressFixture fx;
    private final EgressFixture.Service svc;

    public RequestFixtures(EgressFixture fx, EgressFixture.Service svc) {
        this.fx = fx;
        this.svc = svc;
    }

    /** The two files of a request tagged {@code tag}, written to alice's outbox of DEMO-1. */
    public List<String> outputs(String tag) {
        byte[] a = ("sex,count\nF," + (40 + tag.length()) + "\nM,30\n").getBytes(StandardCharsets.UTF_8);
        byte[] b = ("region,count\nKanto,25\nKinki,31\n" + tag + ",12\n").getBytes(StandardCharsets.UTF_8);
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "a-" + tag + ".csv", a);
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "b-" + tag + ".csv", b);
        return List.of("a-" + tag + ".csv", "b-" + tag + ".csv");
    }

    public Requests requests() {
        return svc.bean(Requests.class);
    }

    public Reviews reviews() {
        return svc.bean(Reviews.class);
    }

    public Releases releases() {
        return svc.bean(Releases.class);
    }

    /** Every file of {@code id} approved by {@code steward}. */
    public ExportRequest approve(String steward, String id) {
        Map<String, Reviews.FileReview> all = new LinkedHashMap<>();
        for (RequestFile f : svc.bean(RequestRepository.class).files(id)) {
            all.put(f.name(), new Reviews.FileReview("approve", "", ""));
        }
        return reviews().review(fx.actor(steward), id, all);
    }

    /** A request of alice's brought to {@code status}: every status but approved, which only an interrupted release leaves. */
    public String atStatus(RequestStatus status, String tag) {
        ExportRequest r = requests().create(fx.actor(ANALYST_ALICE), "DEMO-1", outputs(tag), "two tables", "none");
        String id = r.id();
        if (status == RequestStatus.DRAFT) {
            return id;
        }
        if (status == RequestStatus.WITHDRAWN) {
            requests().withdraw(fx.actor(ANALYST_ALICE), id);
            return id;
        }
        requests().submit(fx.actor(ANALYST_ALICE), id);
        if (status == RequestStatus.SUBMITTED) {
            return id;
        }
        approve(STEWARD_SATO, id);
        if (status == RequestStatus.PARTIALLY_REVIEWED) {
            return id;
        }
        approve(STEWARD_SUZUKI, id);
        switch (status) {
            case REVIEWED -> { }
            case RETURNED -> requests().returnToAuthor(fx.actor(STEWARD_SATO), id, "add the margins");
            case REJECTED -> requests().reject(fx.actor(STEWARD_SATO), id, "not needed");
            case RELEASED -> releases().release(fx.actor(STEWARD_SATO), id);
            default -> throw new IllegalArgumentException("no fixture for " + status);
        }
        return id;
    }

    /** Reviewed twice, ready to release. */
    public String reviewed(String tag) {
        return atStatus(RequestStatus.REVIEWED, tag);
    }
}
