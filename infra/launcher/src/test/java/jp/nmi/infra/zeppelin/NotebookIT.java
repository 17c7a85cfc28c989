package jp.nmi.infra.zeppelin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The notebooks through the real Zeppelin server and interpreter processes. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotebookIT {
    static NotebookEnclave e;

    @BeforeAll
    static void start() {
        e = NotebookEnclave.get();
    }

    @Test
    @Order(1)
    void anAnalystSignsInAndSeesWhatSheMaySee() {
        ZeppelinClient alice = e.as("alice");
        String note = alice.createNote("/DEMO-1/first look", List.of("%enclave\ntables"));
        ZeppelinClient.Result r = alice.run(note, alice.paragraphIds(note).get(0));
        assertThat(r.code()).as(r.text()).isEqualTo("SUCCESS");
        assertThat(r.table().get(0)).containsExactly("table", "visible", "masked", "denied", "rows filtered", "owner");
        assertThat(r.table()).extracting(row -> row.get(0)).contains("participants", "diagnoses", "genotypes");
    }
}
