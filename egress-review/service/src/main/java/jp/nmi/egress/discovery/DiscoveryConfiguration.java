package jp.nmi.egress.discovery;

import java.time.Clock;
import javax.sql.DataSource;
import jp.nmi.egress.audit.JdbcAuditLog;
import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.enclave.discovery.Discovery;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Cohort discovery hosted by the service: over the provider's datasets, under the enclave's policy, its queries in the service's chain. */
@Configuration
public class DiscoveryConfiguration {
    @Bean
    Discovery discovery(EgressEnvironment env, DataSource dataSource, Clock clock) {
        return new Discovery(env.storage(), new JdbcAuditLog(dataSource, clock));
    }
}
