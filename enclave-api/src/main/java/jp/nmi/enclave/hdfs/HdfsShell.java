package jp.nmi.enclave.hdfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FsShell;
import org.apache.hadoop.util.ToolRunner;

/**
 * {@code hdfs dfs} for the enclave's hosts, which have no Hadoop installation: Hadoop's own file
 * system shell, with the client settings every enclave process uses and, under Kerberos, the login
 * from the keytab that {@code ENCLAVE_KERBEROS_KEYTAB} and {@code ENCLAVE_KERBEROS_PRINCIPAL} name.
 * The runtime image's {@code role hdfs ARGS} runs it: an administrator's principal creates
 * {@code /enclave} for the enclave's account; the enclave's own principal lists what it holds.
 *
 * <p>Several commands run in one login when a lone {@code ;} separates them ({@code role hdfs -mkdir
 * /enclave/egress ";" -chown egress:egress /enclave/egress}): in order, each with the settings as
 * they were at the start (a {@code -D} of one command is not the next one's), stopping at the first
 * that fails, whose exit code is the shell's.
 */
public final class HdfsShell {
    /** What separates commands: a word of its own, so that it never splits a path. */
    public static final String SEPARATOR = ";";

    private HdfsShell() {}

    public static void main(String[] args) throws Exception {
        List<String[]> commands;
        Configuration base;
        try {
            commands = commands(args);
            base = HdfsConfigurations.base();
        } catch (jp.nmi.enclave.error.EnclaveStorageException | ValidationException e) {
            System.err.println("hdfs: " + e.getMessage());
            System.exit(1);
            return;
        }
        int exit = 0;
        for (String[] command : commands) {
            FsShell shell = new FsShell(new Configuration(base));
            try {
                exit = ToolRunner.run(shell, command);
            } finally {
                shell.close();
            }
            if (exit != 0) {
                break;
            }
        }
        System.exit(exit);
    }

    /**
     * The commands in {@code args}, split at each lone {@value #SEPARATOR}.
     *
     * @throws ValidationException if a command would be empty (two separators in a row, one at either end)
     */
    public static List<String[]> commands(String[] args) {
        List<String[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals(SEPARATOR)) {
                if (i == start && (args.length > 0 || i > 0)) {
                    throw new ValidationException("an empty command at word " + (i + 1) + ": '" + SEPARATOR + "' goes between two commands");
                }
                out.add(Arrays.copyOfRange(args, start, i));
                start = i + 1;
            }
        }
        return out;
    }
}
