package jp.nmi.enclave.redteam;

import java.nio.file.Path;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.sql.EnclaveSession;

/** The red team's every attack on DEMO-1 (issue 10), against the cluster ({@link ClusterRedTeam}). */
class ClusterRedTeamDemo1IT extends RedTeamDemo1IT {
    @Override
    DemoEnclave startEnclave(Path dir, DemoWorld.Parameters world) {
        return ClusterRedTeam.start(dir, world);
    }

    @Override
    EnclaveSession.Settings sessionSettings() {
        return ClusterRedTeam.settings();
    }

    @Override
    javax.sql.DataSource auditWriter() {
        return ClusterRedTeam.auditWriter();
    }
}
