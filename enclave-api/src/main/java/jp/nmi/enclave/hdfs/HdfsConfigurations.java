package jp.nmi.enclave.hdfs;

import org.apache.hadoop.conf.Configuration;

/** Client settings every enclave process uses against HDFS. */
final class HdfsConfigurations {
    private HdfsConfigurations() {}

    public static Configuration base() {
        Configuration conf = new Configuration();
        // The FileSystem cache would hand one client to every user in the process; the enclave acts
        // on behalf of several users, so each gets its own instance.
        conf.setBoolean("fs.hdfs.impl.disable.cache", true);
        conf.set("hadoop.security.authentication", "simple");
        conf.setInt("dfs.replication", 1);
        // Nothing the enclave writes is for "other": new files 640, directories 750.
        conf.set("fs.permissions.umask-mode", "027");
        conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);
        conf.setInt("dfs.client.block.write.locateFollowingBlock.retries", 10);
        return conf;
    }
}
