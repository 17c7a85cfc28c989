package jp.nmi.enclave.hdfs;

import org.apache.hadoop.fs.FsShell;
import org.apache.hadoop.util.ToolRunner;

/**
 * {@code hdfs dfs} for the enclave's hosts, which have no Hadoop installation: Hadoop's own file
 * system shell, with the client settings every enclave process uses and, under Kerberos, the login
 * from the keytab that {@code ENCLAVE_KERBEROS_KEYTAB} and {@code ENCLAVE_KERBEROS_PRINCIPAL} name.
 * The runtime image's {@code role hdfs ARGS} runs it: an administrator's principal creates
 * {@code /enclave} for the enclave's account; the enclave's own principal lists what it holds.
 */
public final class HdfsShell {
    private HdfsShell() {}

    public static void main(String[] args) throws Exception {
        FsShell shell;
        try {
            shell = new FsShell(HdfsConfigurations.base());
        } catch (jp.nmi.enclave.error.EnclaveStorageException e) {
            System.err.println("hdfs: " + e.getMessage());
            System.exit(1);
            return;
        }
        int exit;
        try {
            exit = ToolRunner.run(shell, args);
        } finally {
            shell.close();
        }
        System.exit(exit);
    }
}
