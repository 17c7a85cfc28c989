package jp.nmi.egress;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static jp.nmi.enclave.testing.Personas.STEWARD_SUZUKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.request.ExportRequest;
import jp.nmi.egress.request.Releases;
import jp.nmi.egress.request.RequestRepository;
import jp.nmi.egress.request.RequestStatus;
import jp.nmi.egress.request.Requests;
import jp.nmi.egress.request.Reviews;
import jp.nmi.egress.testing.EgressFixture;
import jp.nmi.egress.testing.RequestFixtures;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A crash between any two steps of a release, then a restart: the request is either released with
 * exactly the reviewed bytes, or approved with nothing published and nothing staged, and can be
 * released again. Never half-released.
 */
class ReleaseRecoveryIT {
    static EgressFixture fx;
    static EgressFixture.Service svc;

    @BeforeAll
    static void start() {
        fx = EgressFixture.get();
        svc = fx.start();
    }

    @AfterAll
    static void stop() {
        if (svc != null) {
            svc.close();
        }
    }

    static String reviewedRequest(String tag) {
        return new RequestFixtures(fx, svc).reviewed(tag);
    }

    @ParameterizedTest(name = "failure at {0}")
    @CsvSource({
        "staged,    rolled back, 503",
        "published, finished,    200"})
    void aFailureWithoutACrashIsSettledAtOnce(String step, String outcome, int code) throws IOException {
        String id = reviewedRequest("f" + step.substring(0, 4));
        fx.hooks.failAt(id, step, false);
        var r = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null);
        fx.hooks.clear(id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        ExportRequest after = svc.bean(RequestRepository.class).require(id);
        assertThat(after.releaseStartedAt()).isNull();
        // "published" stands for a rename that happened although it reported a failure: the release is finished, not lost
        assertThat(after.status()).isEqualTo(outcome.equals("finished") ? RequestStatus.RELEASED : RequestStatus.APPROVED);
        assertThat(fx.storage.fs().exists(svc.bean(EgressStore.class).released(id))).isEqualTo(outcome.equals("finished"));
    }

    @ParameterizedTest(name = "bytes changed {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"in quarantine after review", "after publishing"})
    void bytesChangedAfterReviewAreNeverReleased(String when) throws IOException {
        String tag = when.startsWith("in") ? "qchg" : "pchg";
        String id = reviewedRequest(tag);
        EgressStore store = svc.bean(EgressStore.class);
        RequestRepository repo = svc.bean(RequestRepository.class);
        String sha = repo.files(id).stream().filter(f -> f.name().equals("a-" + tag + ".csv")).findFirst().orElseThrow().sha256();
        String message = tag.equals("qchg") ? "quarantined file " + id + "/" + sha + " has changed: its bytes hash to "
                : "was not published intact: 'a-pchg.csv' in the release directory is not the reviewed bytes";
        Runnable tamper = () -> {
            // as the service's own HDFS user: storage that changes under the service, whoever did it
            Path target = tag.equals("qchg") ? store.quarantined(id, sha) : new Path(store.released(id), "a-" + tag + ".csv");
            fx.writeAs(EgressStore.USER, target.toUri().getPath(), "sex,count\nF,40\nM,3\n".getBytes(StandardCharsets.UTF_8));
        };
        if (tag.equals("qchg")) {
            tamper.run();
        } else {
            fx.hooks.doAt(id, "published", tamper);
        }
        var r = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null);
        fx.hooks.clear(id);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.body()).contains(message);
        ExportRequest after = repo.require(id);
        assertThat(after.status()).as("rolled back: approved, to be looked at again").isEqualTo(RequestStatus.APPROVED);
        assertThat(after.releaseStartedAt()).isNull();
        assertThat(fx.storage.fs().exists(store.released(id))).as("nothing left published").isFalse();
        assertThat(svc.download(ANALYST_ALICE, "/api/requests/" + id + "/files/a-" + tag + ".csv").statusCode()).isNotEqualTo(200);
    }

    @ParameterizedTest(name = "crash at {0}")
    @CsvSource({
        "approved,         rolled back",
        "staged:a-{tag}.csv, rolled back",
        "staged:b-{tag}.csv, rolled back",
        "staged,           rolled back",
        "published,        finished",
        "committed,        finished"})
    void aCrashAtAnyStepLeavesNoHalfReleasedRequest(String step, String outcome) throws IOException {
        String tag = step.replaceAll("[^a-z]", "").substring(0, 5);
        String id = reviewedRequest(tag);
        String at = step.replace("{tag}", tag);
        fx.hooks.failAt(id, at, true);
        Releases releases = svc.bean(Releases.class);
        assertThatThrownBy(() -> releases.release(fx.actor(STEWARD_SATO), id))
                .isInstanceOf(EgressFixture.SimulatedCrash.class).hasMessage("crash injected at " + at);
        fx.hooks.clear(id);

        // the process "dies" and starts again: recovery runs before the service serves
        svc.close();
        svc = fx.start(EgressSettings.DEFAULTS);
        RequestRepository repo = svc.bean(RequestRepository.class);
        ExportRequest after = repo.require(id);
        EgressStore store = svc.bean(EgressStore.class);
        Path released = store.released(id);
        Path staging = new Path(released.getParent(), ".staging-" + id);
        assertThat(after.releaseStartedAt()).as("no release is left under way").isNull();
        assertThat(fx.storage.fs().exists(staging)).as("nothing left staged").isFalse();
        if (outcome.equals("finished")) {
            assertThat(after.status()).isEqualTo(RequestStatus.RELEASED);
            for (var f : repo.files(id)) {
                byte[] bytes = store.readReleased(id, f.name()).orElseThrow();
                assertThat(EgressStore.sha256(bytes)).isEqualTo(f.sha256());
                assertThat(bytes).isEqualTo(fx.readOutbox("DEMO-1", f.name()));
            }
            assertThat(fx.isPending("DEMO-1", id)).isFalse();
        } else {
            assertThat(after.status()).isEqualTo(RequestStatus.APPROVED);
            assertThat(fx.storage.fs().exists(released)).as("nothing published").isFalse();
            assertThat(fx.isPending("DEMO-1", id)).isTrue();
            // and it can be released now
            ExportRequest again = svc.bean(Releases.class).release(fx.actor(STEWARD_SUZUKI), id);
            assertThat(again.status()).isEqualTo(RequestStatus.RELEASED);
            assertThat(store.readReleased(id, "a-" + tag + ".csv")).isPresent();
        }
        assertThat(svc.bean(jp.nmi.egress.audit.EgressAudit.class).verify().intact()).isTrue();
    }
}
