package jp.nmi.enclave.sql;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jp.nmi.enclave.error.EnclaveStorageException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.cluster.CoarseGrainedSchedulerBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HDFS delegation tokens for a cluster session's executors under Kerberos. A Spark standalone
 * cluster hands out none (only YARN's and Kubernetes' schedulers do), and the workers hold no
 * keytab: the project's driver obtains tokens from the enclave's own login, gives them to its
 * executors through Spark's own channel (authenticated and encrypted with the cluster's secret;
 * executors that register later get them on registration), and replaces them every
 * {@value #REFRESH_HOURS} hours, well before HDFS lets them lapse (a day without renewal). The
 * tokens are the enclave's, as the executors are: they read only the plans the driver made.
 */
final class ExecutorCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorCredentials.class);
    static final int REFRESH_HOURS = 8;
    /** The environment variable that sets another interval, in seconds (a site whose HDFS renews tokens more often). */
    static final String REFRESH_VARIABLE = "ENCLAVE_TOKEN_REFRESH_SECONDS";

    private ExecutorCredentials() {}

    /** Gives {@code sc}'s executors tokens for {@code fileSystem} now and every {@value #REFRESH_HOURS} hours until it stops. */
    static void start(SparkContext sc, URI fileSystem) {
        if (!(sc.schedulerBackend() instanceof CoarseGrainedSchedulerBackend backend)) {
            throw new IllegalStateException("a cluster session without a cluster scheduler: " + sc.schedulerBackend().getClass().getName());
        }
        long interval = refreshSeconds(); // a bad value refuses the session before any token exists
        // the tokens in use and the ones before them (an executor may not have the newest yet): older ones are cancelled
        Credentials[] current = {obtain(sc, fileSystem), new Credentials()};
        hand(backend, current[0]);
        int[] round = {0};
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "enclave-executor-credentials");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                synchronized (current) {
                    Credentials next = obtain(sc, fileSystem);
                    hand(backend, next);
                    cancel(sc, current[1]);
                    current[1] = current[0];
                    current[0] = next;
                    round[0]++;
                    LOG.info("executors' HDFS tokens replaced (round {}), the ones before the last cancelled", round[0]);
                }
            } catch (Throwable e) {
                // the current tokens stay until they lapse; the next round tries again (and the schedule goes on)
                LOG.error("cannot renew the executors' HDFS tokens: {}", e.toString());
            }
        }, interval, interval, TimeUnit.SECONDS);
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onApplicationEnd(SparkListenerApplicationEnd end) {
                timer.shutdownNow();
                // no token of the enclave outlives the project's application (after a round in progress)
                synchronized (current) {
                    cancel(sc, current[0]);
                    cancel(sc, current[1]);
                }
            }
        });
    }

    static long refreshSeconds() {
        String v = System.getenv(REFRESH_VARIABLE);
        if (v == null || v.isBlank()) {
            return TimeUnit.HOURS.toSeconds(REFRESH_HOURS);
        }
        try {
            long seconds = Long.parseLong(v.strip());
            if (seconds >= 10) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new jp.nmi.enclave.error.ValidationException(REFRESH_VARIABLE + " must be a number of seconds, at least 10");
    }

    /**
     * Gives the executors {@code credentials}. Spark also adds them to the caller's own user: called
     * as a throwaway user, so that the driver's login never holds them (a login holding tokens would
     * use them instead of Kerberos, and HDFS gives new tokens only to Kerberos logins).
     */
    private static void hand(CoarseGrainedSchedulerBackend backend, Credentials credentials) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                credentials.writeTokenStorageToStream(out);
            }
            UserGroupInformation.createRemoteUser("enclave-executors").doAs((java.security.PrivilegedAction<Void>) () -> {
                backend.updateDelegationTokens(bytes.toByteArray());
                return null;
            });
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot hand the executors their HDFS tokens: " + e.getMessage(), e);
        }
    }

    private static void cancel(SparkContext sc, Credentials credentials) {
        for (org.apache.hadoop.security.token.Token<?> t : credentials.getAllTokens()) {
            try {
                UserGroupInformation.getLoginUser().doAs((java.security.PrivilegedExceptionAction<Void>) () -> {
                    t.cancel(sc.hadoopConfiguration());
                    return null;
                });
            } catch (Exception e) {
                LOG.warn("cannot cancel an HDFS token of the executors (it lapses by itself): {}", e.toString());
            }
        }
    }

    /** New tokens for {@code fileSystem}, renewable by the enclave itself, obtained by its Kerberos login. */
    static Credentials obtain(SparkContext sc, URI fileSystem) {
        try {
            UserGroupInformation login = UserGroupInformation.getLoginUser();
            login.checkTGTAndReloginFromKeytab();
            Credentials credentials = new Credentials();
            login.doAs((java.security.PrivilegedExceptionAction<Void>) () -> {
                try (FileSystem fs = FileSystem.newInstance(fileSystem, sc.hadoopConfiguration())) {
                    fs.addDelegationTokens(login.getUserName(), credentials);
                }
                return null;
            });
            if (credentials.numberOfTokens() == 0) {
                throw new EnclaveStorageException("HDFS at " + fileSystem + " gave no delegation token to " + login.getUserName());
            }
            return credentials;
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot obtain HDFS delegation tokens for the executors: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnclaveStorageException("interrupted while obtaining HDFS delegation tokens for the executors", e);
        }
    }
}
