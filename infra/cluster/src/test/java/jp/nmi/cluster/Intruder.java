package jp.nmi.cluster;

import jp.nmi.enclave.sql.OperatorSparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark driver without the cluster's shared secret, in a process of its own: it tries to get
 * executors from the master and an answer from them, and prints {@code ANSWER n} if it ever gets one.
 */
public final class Intruder {
    private Intruder() {}

    public static void main(String[] args) {
        try {
            SparkSession spark = SparkSession.builder().master(args[0]).appName("intruder")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false").config("spark.cores.max", "1")
                    .config("spark.executor.extraJavaOptions", String.join(" ", OperatorSparkConf.EXECUTOR_JAVA_OPTIONS))
                    .getOrCreate();
            System.out.println("ANSWER " + spark.range(10).count());
            spark.stop();
        } catch (RuntimeException e) {
            // the master never answered: Spark gave up registering and stopped the application
            System.out.println("REFUSED " + e);
        }
        System.exit(0);
    }
}
