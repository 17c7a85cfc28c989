package jp.nmi.enclave.hdfs;

import java.io.IOException;
import jp.nmi.enclave.error.EnclaveStorageException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * Client settings every enclave process uses against HDFS. Without a site configuration on the
 * classpath (the embedded HDFS, the tests) the client uses simple authentication and one replica.
 * With one ({@code core-site.xml} and {@code hdfs-site.xml} in {@code HADOOP_CONF_DIR}, production:
 * infra/production/hadoop) the site's settings stand: Kerberos, encrypted RPC, HA name services,
 * replication. Under Kerberos the process logs in from the keytab that
 * {@code ENCLAVE_KERBEROS_KEYTAB} and {@code ENCLAVE_KERBEROS_PRINCIPAL} name, or else uses the
 * ticket cache ({@code kinit}).
 */
final class HdfsConfigurations {
    private HdfsConfigurations() {}

    static final String KEYTAB = "ENCLAVE_KERBEROS_KEYTAB";
    static final String PRINCIPAL = "ENCLAVE_KERBEROS_PRINCIPAL";

    /** Whether the operators gave a site configuration (core-site.xml on the classpath). */
    static boolean hasSiteConfiguration() {
        return Thread.currentThread().getContextClassLoader() != null
                && Thread.currentThread().getContextClassLoader().getResource("core-site.xml") != null
                || HdfsConfigurations.class.getClassLoader().getResource("core-site.xml") != null;
    }

    public static Configuration base() {
        Configuration conf = new Configuration();
        // The FileSystem cache would hand one client to every user in the process; the enclave acts
        // on behalf of several users, so each gets its own instance.
        conf.setBoolean("fs.hdfs.impl.disable.cache", true);
        if (!hasSiteConfiguration()) {
            conf.set("hadoop.security.authentication", "simple");
            conf.setInt("dfs.replication", 1);
        }
        // Nothing the enclave writes is for "other": new files 640, directories 750.
        conf.set("fs.permissions.umask-mode", "027");
        conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);
        conf.setInt("dfs.client.block.write.locateFollowingBlock.retries", 10);
        login(conf);
        return conf;
    }

    /** Under Kerberos: this process's login, from the enclave's keytab when one is named. */
    static void login(Configuration conf) {
        if (!"kerberos".equalsIgnoreCase(conf.get("hadoop.security.authentication"))) {
            return;
        }
        UserGroupInformation.setConfiguration(conf);
        String keytab = System.getenv(KEYTAB);
        String principal = System.getenv(PRINCIPAL);
        if (keytab == null || keytab.isBlank()) {
            return; // the ticket cache
        }
        if (principal == null || principal.isBlank()) {
            throw new EnclaveStorageException(KEYTAB + " is set but " + PRINCIPAL + " is not: name the enclave's principal too");
        }
        try {
            if (!UserGroupInformation.isLoginKeytabBased() || !principal.equals(UserGroupInformation.getLoginUser().getUserName())) {
                UserGroupInformation.loginUserFromKeytab(principal, keytab);
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot log in to Kerberos as " + principal + " with " + keytab + ": " + e.getMessage(), e);
        }
    }
}
