package jp.nmi.infra.zeppelin;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.io.Progress;

/**
 * The demo enclave with its notebook server, started once per test JVM and shared by the test
 * classes that need it (HDFS and PostgreSQL in this JVM; Zeppelin and its interpreters in their own).
 */
final class NotebookEnclave {
    private static NotebookEnclave shared;

    final Path dir;
    final DemoEnclave enclave;
    final Map<String, String> passwords;
    final NotebookServer server;

    private NotebookEnclave(Path dir, DemoEnclave enclave, Map<String, String> passwords, NotebookServer server) {
        this.dir = dir;
        this.enclave = enclave;
        this.passwords = passwords;
        this.server = server;
    }

    static synchronized NotebookEnclave get() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    private static NotebookEnclave start() {
        try {
            Path dir = Files.createTempDirectory("notebook-it");
            DemoEnclave enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(3000, 20, 17), Progress.NONE);
            enclave.storage().advertise(dir); // the interpreters connect to this HDFS
            Map<String, String> passwords = new DirectoryStore(enclave.storage()).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
            ZeppelinHome home = ZeppelinHome.locate(Path.of(System.getProperty("enclave.root", "../..")));
            int web = freePort();
            int rpc = freeRange(20);
            NotebookServer server = NotebookServer.prepare(home, NotebookServer.instanceDirectory(dir),
                    new NotebookServer.Ports(web, rpc, rpc + 19), new NotebookServer.InterpreterSettings(dir, "http://127.0.0.1:8081", "1g"),
                    enclave.storage()).start(Duration.ofSeconds(120));
            return new NotebookEnclave(dir, enclave, passwords, server);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the notebook enclave: " + e, e);
        }
    }

    ZeppelinClient client() {
        return new ZeppelinClient(server.url());
    }

    /** A client signed in as {@code user}. */
    ZeppelinClient as(String user) {
        ZeppelinClient c = client();
        ZeppelinClient.Answer a = c.login(user, passwords.get(user));
        if (a.status() != 200) {
            throw new AssertionError(user + " cannot sign in: " + a);
        }
        return c;
    }

    private final Map<String, jp.nmi.enclave.project.MemberList> saved = new java.util.HashMap<>();

    /** Takes {@code user} off the project's member list, as {@code project apply} of a spec without them writes it. */
    void removeMember(String project, String user) {
        jp.nmi.enclave.project.ProjectStore store = new jp.nmi.enclave.project.ProjectStore(enclave.storage());
        jp.nmi.enclave.project.MemberList m = store.members(project).orElseThrow();
        saved.putIfAbsent(project, m);
        store.writeMembers(new jp.nmi.enclave.project.MemberList(m.project(), m.status(), m.start(), m.end(),
                m.disclosureProfile(), m.members().stream().filter(x -> !x.user().equals(user)).toList()));
    }

    void restoreMembers(String project) {
        jp.nmi.enclave.project.MemberList m = saved.remove(project);
        if (m != null) {
            new jp.nmi.enclave.project.ProjectStore(enclave.storage()).writeMembers(m);
        }
    }

    void close() {
        server.close();
        enclave.close();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The first of {@code n} consecutive free ports. */
    static int freeRange(int n) throws IOException {
        for (int start = 31000 + (int) (ProcessHandle.current().pid() % 200) * 20; start < 60000; start += n) {
            boolean free = true;
            for (int p = start; p < start + n && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                    s.getLocalPort();
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return start;
            }
        }
        throw new IOException("no " + n + " consecutive free ports");
    }
}
