package jp.nmi.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./enclave egress serve} as an operator runs it: a JVM of its own (as the launcher starts
 * it, from the packaged jar and target/classpath.txt), on a fresh embedded directory. It prints the
 * URL and the demo users with their passwords, serves them, stops cleanly on SIGTERM (what Ctrl-C
 * and a plain kill send), and started again on the same directory has the same users.
 */
class EgressServeIT {
    private static final Pattern URL = Pattern.compile("egress service: (http://127\\.0\\.0\\.1:\\d+/)");
    private static final Pattern USER = Pattern.compile("^  (\\w+)\\s+(\\S+)$");

    @TempDir
    static Path dir;

    record Served(Process process, URI url, Map<String, String> users, List<String> lines, Thread drain) {}

    @Test
    void serveStartsPrintsTheDemoUsersStopsCleanlyAndKeepsThemOnRestart() throws Exception {
        Path enclave = dir.resolve("enclave");
        Served first = serve(enclave);
        // a failed assertion must not leave a service holding its ports for the next test
        Runtime.getRuntime().addShutdownHook(new Thread(() -> first.process().destroyForcibly()));
        assertThat(first.users()).containsOnlyKeys("sato", "suzuki", "alice", "kenji", "bob", "ops", "tanaka", "mori");
        assertThat(get(first.url(), "/api/requests", "sato", first.users().get("sato"))).isEqualTo(200);
        assertThat(get(first.url(), "/api/requests", "sato", "not-the-password")).isEqualTo(401);
        assertThat(Files.readString(enclave.resolve("demo-users.txt"))).contains("sato").contains(first.users().get("sato"));
        String stopped = stop(first);
        assertThat(stopped).contains("stopping ...");

        Served second = serve(enclave);
        assertThat(second.users()).isEqualTo(first.users());
        assertThat(get(second.url(), "/api/requests", "alice", second.users().get("alice"))).isEqualTo(200);
        stop(second);
    }

    private static Served serve(Path enclave) throws IOException, InterruptedException {
        Path module = Path.of("").toAbsolutePath();
        Path root = module.getParent().getParent();
        String classpath = Files.list(module.resolve("target")).filter(p -> p.getFileName().toString().matches("egress-service-.*\\.jar")
                && !p.getFileName().toString().contains("tests")).findFirst().orElseThrow().toString()
                + java.io.File.pathSeparator + Files.readString(module.resolve("target/classpath.txt")).trim();
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "@" + root.resolve("infra/jvm/java17.options"),
                "-Xmx768m", "-cp", classpath, "jp.nmi.egress.cli.EgressCli", "serve", "--embedded", enclave.toString(), "--port", "0");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        URI url = null;
        Map<String, String> users = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            Matcher u = URL.matcher(line);
            if (u.find()) {
                url = URI.create(u.group(1));
            }
            Matcher m = USER.matcher(line);
            if (m.matches()) {
                users.put(m.group(1), m.group(2));
            }
            if (line.equals("Ctrl-C stops it.") || System.nanoTime() > deadline) {
                break;
            }
        }
        assertThat(url).as("the URL is printed: %s", lines).isNotNull();
        // keep draining the output so that the service never blocks on a full pipe
        Thread drain = new Thread(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return new Served(p, url, users, lines, drain);
    }

    private static String stop(Served s) throws InterruptedException {
        s.process().toHandle().destroy(); // SIGTERM, leaving our end of its output open (Process.destroy closes it)
        assertThat(s.process().waitFor(2, TimeUnit.MINUTES)).as("stopped within 2 minutes").isTrue();
        s.drain().join(TimeUnit.SECONDS.toMillis(30));
        String output;
        synchronized (s.lines()) {
            output = String.join("\n", s.lines());
        }
        assertThat(s.process().exitValue()).as(output).isZero();
        return output;
    }

    private static int get(URI base, String path, String user, String password) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                        .getBytes(StandardCharsets.UTF_8))).GET().build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
