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

    private ExecutorCredentials() {}

    /** Gives {@code sc}'s executors tokens for {@code fileSystem} now and every {@value #REFRESH_HOURS} hours until it stops. */
    static void start(SparkContext sc, URI fileSystem) {
        if (!(sc.schedulerBackend() instanceof CoarseGrainedSchedulerBackend backend)) {
            throw new IllegalStateException("a cluster session without a cluster scheduler: " + sc.schedulerBackend().getClass().getName());
        }
        backend.updateDelegationTokens(obtain(sc, fileSystem));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "enclave-executor-credentials");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                backend.updateDelegationTokens(obtain(sc, fileSystem));
            } catch (RuntimeException e) {
                // the current tokens stay until they lapse; the next round tries again
                LOG.error("cannot renew the executors' HDFS tokens: {}", e.getMessage());
            }
        }, REFRESH_HOURS, REFRESH_HOURS, TimeUnit.HOURS);
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onApplicationEnd(SparkListenerApplicationEnd end) {
                timer.shutdownNow();
            }
        });
    }

    /** New tokens for {@code fileSystem}, renewable by the enclave itself, in Hadoop's token storage format. */
    static byte[] obtain(SparkContext sc, URI fileSystem) {
        try {
            UserGroupInformation login = UserGroupInformation.getLoginUser();
            login.checkTGTAndReloginFromKeytab();
            Credentials credentials = new Credentials();
            FileSystem fs = FileSystem.newInstance(fileSystem, sc.hadoopConfiguration());
            try {
                fs.addDelegationTokens(login.getUserName(), credentials);
            } finally {
                fs.close();
            }
            if (credentials.numberOfTokens() == 0) {
                throw new EnclaveStorageException("HDFS at " + fileSystem + " gave no delegation token to " + login.getUserName());
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                credentials.writeTokenStorageToStream(out);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot obtain HDFS delegation tokens for the executors: " + e.getMessage(), e);
        }
    }
}
