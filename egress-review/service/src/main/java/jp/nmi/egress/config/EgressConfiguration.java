package jp.nmi.egress.config;

import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.check.FileChecker;
import jp.nmi.egress.project.ProjectMembers;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.request.Duties;
import jp.nmi.egress.request.FileIntake;
import jp.nmi.egress.request.Releases;
import jp.nmi.egress.request.RequestRepository;
import jp.nmi.egress.request.Requests;
import jp.nmi.egress.request.Reviews;
import jp.nmi.enclave.directory.DirectoryStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The egress service's parts, wired from the {@link EgressEnvironment} it was started with. */
@Configuration(proxyBeanMethods = false)
public class EgressConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(EgressConfiguration.class);

    @Bean(destroyMethod = "close")
    EgressStore egressStore(EgressEnvironment env) {
        return EgressStore.open(env.storage());
    }

    @Bean
    ProjectMembers projectMembers(EgressStore store, EgressEnvironment env) {
        return new ProjectMembers(store.fileSystem(), env.storage().layout());
    }

    @Bean
    DirectoryStore directoryStore(EgressEnvironment env) {
        return new DirectoryStore(env.storage());
    }

    @Bean
    Clock clock(EgressEnvironment env) {
        return env.clock();
    }

    @Bean
    Duties duties(ProjectMembers projects) {
        return new Duties(projects);
    }

    @Bean
    EgressAudit egressAudit(DataSource dataSource, Clock clock) {
        return new EgressAudit(dataSource, clock);
    }

    @Bean
    TransactionTemplate transactionTemplate(PlatformTransactionManager tm) {
        return new TransactionTemplate(tm);
    }

    @Bean(destroyMethod = "close")
    FileIntake fileIntake(RequestRepository repo, EgressStore store, Duties duties, ProjectMembers projects, EgressAudit audit,
            TransactionTemplate tx, EgressEnvironment env) {
        return new FileIntake(repo, store, new FileChecker(env.signingKey()), duties, projects, audit, tx, env.settings(), env.clock());
    }

    @Bean
    Requests requests(RequestRepository repo, EgressStore store, ProjectMembers projects, Duties duties, EgressAudit audit,
            TransactionTemplate tx, EgressEnvironment env, FileIntake intake) {
        return new Requests(repo, store, projects, duties, intake, audit, tx, env.settings(), env.clock());
    }

    /** Files a stop left asked for are taken in again. */
    @Bean
    SmartInitializingSingleton recoverFileIntake(FileIntake intake) {
        return () -> {
            int n = intake.recover();
            if (n > 0) {
                LOG.warn("{} file(s) asked for before the last stop are being taken in again", n);
            }
        };
    }

    @Bean
    Reviews reviews(RequestRepository repo, Duties duties, EgressAudit audit, TransactionTemplate tx, Clock clock) {
        return new Reviews(repo, duties, audit, tx, clock);
    }

    @Bean
    Releases releases(RequestRepository repo, EgressStore store, Duties duties, Reviews reviews, Requests requests, EgressAudit audit,
            TransactionTemplate tx, EgressEnvironment env, DirectoryStore directory) {
        return new Releases(repo, store, duties, reviews, requests, audit, tx, env.clock(), env.hooks(),
                name -> directory.user(name).map(jp.nmi.egress.security.Actor::of)).withRegister(() -> publishReleases(repo, env));
    }

    /** Every release so far into the public data-use register: what left, when, and its description as reviewed. */
    static void publishReleases(RequestRepository repo, EgressEnvironment env) {
        // one at a time, each reading the records when it runs: two releases finishing together never leave one out
        synchronized (REGISTER_LOCK) {
            publishReleasesNow(repo, env);
        }
    }

    private static final Object REGISTER_LOCK = new Object();

    private static void publishReleasesNow(RequestRepository repo, EgressEnvironment env) {
        try {
            List<jp.nmi.enclave.transparency.DataUseRegister.Release> releases = new java.util.ArrayList<>();
            for (jp.nmi.egress.request.ExportRequest r : repo.terminal()) {
                if (r.status() != jp.nmi.egress.request.RequestStatus.RELEASED || r.releasedAt() == null) {
                    continue;
                }
                releases.add(new jp.nmi.enclave.transparency.DataUseRegister.Release(r.project(), r.id(),
                        r.releasedAt().atZone(java.time.ZoneId.of("Asia/Tokyo")).toLocalDate().toString(), r.kind(), repo.files(r.id()).size(),
                        // the author's public description, reviewed with the outputs; never the context, which is for the stewards
                        r.isRegulatory() ? r.regulator() : repo.publicDescription(r.id()).orElse(null)));
            }
            new jp.nmi.enclave.transparency.DataUseRegister(env.storage(), env.clock()).publishReleases(releases);
        } catch (RuntimeException e) {
            LOG.warn("the data-use register could not be regenerated: {} (the next release or ./enclave register publish does it)",
                    e.getMessage());
        }
    }

    @Bean
    jp.nmi.egress.request.RequestViews requestViews(RequestRepository repo, Reviews reviews, Duties duties) {
        return new jp.nmi.egress.request.RequestViews(repo, reviews, duties);
    }

    /** Before the web server takes a request: finish or roll back releases a crash interrupted. */
    @Bean
    SmartInitializingSingleton recoverInterruptedReleases(Releases releases) {
        return () -> {
            List<String> done = releases.recover();
            done.forEach(LOG::warn);
            // the register as the records say, whatever happened while the service was down
            releases.publishRegister();
        };
    }
}
