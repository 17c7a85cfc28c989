package jp.nmi.infra.zeppelin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The whole enclave as a newcomer gets it: {@code ./enclave up} in a process of its own (as the
 * command line runs it), then the story over the real pieces: ops applies a project; alice runs a
 * sample note in the workbench, sees masked data, makes a crosstab that fails the disclosure check,
 * fixes it and exports it; sato and suzuki review it in their own browser sessions and approve;
 * alice downloads exactly the reviewed file; ops applies an opt-out and alice's next query no
 * longer counts those participants; ops closes the project and the certificate verifies. Then
 * {@code status} and {@code down}, a second {@code up} on the same directory and a port already
 * taken.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnclaveStoryIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static Path root;
    static Path dir;
    static Path work;
    static Process up;
    static Path upLog;
    static int egressPort;
    static int notebookPort;
    static int monitorPort;
    static Map<String, String> passwords;
    static final List<WebDriver> browsers = new ArrayList<>();

    /** A command of the enclave in a JVM of its own, as ./enclave runs it. */
    record Run(int exit, String out) {}

    static ProcessBuilder java(String mainClass, List<String> args) {
        return java(List.of(), mainClass, args);
    }

    static ProcessBuilder java(List<String> jvmArgs, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "@" + root.resolve("infra/jvm/java17.options"), "-Xmx2g", "-Denclave.root=" + root));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("ENCLAVE_OPERATOR", "ops");
        return pb;
    }

    static Run run(String mainClass, String... args) throws Exception {
        Path out = Files.createTempFile(work, "run-", ".log");
        Process p = java(mainClass, List.of(args)).redirectOutput(out.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + " did not finish: " + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readString(out));
    }

    static Run launcher(String... args) throws Exception {
        return run("jp.nmi.infra.cli.LauncherCli", args);
    }

    static Run enclave(String... args) throws Exception {
        return run("jp.nmi.enclave.cli.EnclaveCli", args);
    }

    static List<String> ports(String hdfs, String postgres, String egress, String egressMetrics, String monitor, String notebook,
            String rpc) {
        return List.of("--hdfs-port", hdfs, "--postgres-port", postgres, "--egress-port", egress, "--egress-metrics-port", egressMetrics,
                "--monitor-port", monitor, "--notebook-port", notebook, "--notebook-rpc-ports", rpc);
    }

    @BeforeAll
    static void up() throws Exception {
        root = Path.of(System.getProperty("enclave.root", "../..")).toAbsolutePath().normalize();
        work = Files.createTempDirectory("enclave-story");
        dir = work.resolve("enclave-data");
        egressPort = NotebookEnclave.freePort();
        notebookPort = NotebookEnclave.freePort();
        monitorPort = NotebookEnclave.freePort();
        int rpc = NotebookEnclave.freeRange(20);
        List<String> args = new ArrayList<>(List.of("up", "--data-dir", dir.toString(), "--participants", "3000"));
        args.addAll(ports(Integer.toString(NotebookEnclave.freePort()), Integer.toString(NotebookEnclave.freePort()),
                Integer.toString(egressPort), Integer.toString(NotebookEnclave.freePort()), Integer.toString(monitorPort),
                Integer.toString(notebookPort), rpc + "-" + (rpc + 19)));
        upLog = work.resolve("up.log");
        up = java("jp.nmi.infra.cli.LauncherCli", args).redirectOutput(upLog.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        while (!Files.readString(upLog).contains("The enclave is ready")) {
            if (!up.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("./enclave up did not come up: " + Files.readString(upLog));
            }
            Thread.sleep(500);
        }
        passwords = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("demo-users.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] f = line.strip().split("\\s+");
                passwords.put(f[0], f[1]);
            }
        }
    }

    @AfterAll
    static void down() throws Exception {
        browsers.forEach(WebDriver::quit);
        if (up != null && up.isAlive()) {
            up.destroy();
            if (!up.waitFor(2, TimeUnit.MINUTES)) {
                up.destroyForcibly();
            }
        }
    }

    @Order(1)
    @Test
    void upSaysWhereEverythingIsAndStatusSaysItIsReady() throws Exception {
        String log = Files.readString(upLog);
        assertThat(log).contains("[3/6] demo world (first start)").contains("http://127.0.0.1:" + notebookPort + "/")
                .contains("http://127.0.0.1:" + egressPort + "/").contains(dir.resolve("demo-users.txt").toString())
                .contains("Logs: " + dir.resolve("logs")).contains("./enclave down --data-dir " + dir);
        assertThat(passwords.keySet()).containsExactly("sato", "suzuki", "alice", "kenji", "bob", "ops", "tanaka", "mori");

        Run status = launcher("status", "--data-dir", dir.toString(), "--format", "json");
        assertThat(status.exit()).as(status.out()).isZero();
        JsonNode json = JSON.readTree(status.out().substring(status.out().indexOf('{')));
        assertThat(json.path("running").asBoolean()).isTrue();
        List<String> names = new ArrayList<>();
        for (JsonNode s : json.path("services")) {
            names.add(s.path("name").asText());
            assertThat(s.path("ready").asBoolean()).as(s.toString()).isTrue();
            assertThat(s.path("url").asText()).contains("127.0.0.1");
        }
        assertThat(names).contains("hdfs", "postgres", "egress", "zeppelin");

        // every server of the enclave listens on loopback only: up's own process, the egress service, Zeppelin
        for (JsonNode s : json.path("services")) {
            for (String socket : Sockets.listening(s.path("pid").asLong())) {
                assertThat(socket).as(s.path("name").asText()).startsWith("127.0.0.1:");
            }
        }

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"up\"").contains("\"zeppelin\":\"up\"");
        String egressMetrics = null;
        for (JsonNode s : json.path("services")) {
            if (s.path("name").asText().equals("egress")) {
                egressMetrics = s.path("metrics").asText();
            }
        }
        assertThat(http.send(HttpRequest.newBuilder(URI.create(egressMetrics)).build(), HttpResponse.BodyHandlers.ofString()).body())
                .contains("egress_requests{state=\"submitted\"}").contains("egress_release_latency_seconds_count");
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("enclave_service_ready{service=\"egress\"} 1.0").contains("enclave_hdfs_used_bytes")
                .contains("enclave_audit_events_total{action=\"project.apply\",outcome=\"ok\"}")
                .doesNotContain("project=").doesNotContain("alice").doesNotContain("user=");
        // a page elsewhere that reaches the port by DNS rebinding names another host, and is refused
        String rebound;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", monitorPort)) {
            socket.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: attacker.example:" + monitorPort
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            rebound = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(rebound).startsWith("HTTP/1.1 421").doesNotContain("enclave_");

        // the demo passwords are in the owner-only file, never in a log
        Path logs = dir.resolve("logs");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(logs))).isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(logs.resolve("egress.log"))))
                .isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("demo-users.txt"))))
                .isEqualTo("rw-------");
        String egressLog = Files.readString(logs.resolve("egress.log"));
        for (String password : passwords.values()) {
            assertThat(egressLog).doesNotContain(password);
            assertThat(log).doesNotContain(password);
        }
        assertThat(egressLog).contains("their passwords are in " + dir.resolve("demo-users.txt"));
    }

    /** Issue 17: the enclave up brings up answers a registered researcher's count, by its Beacon, over the demo world. */
    @Order(2)
    @Test
    void aResearcherCountsACohortThroughTheBeaconOfTheEnclaveUpBrings() throws Exception {
        assertThat(Files.readString(upLog)).contains("cohort discovery (researchers) http://127.0.0.1:" + egressPort + "/discovery")
                .contains("data-use register (public)     http://127.0.0.1:" + egressPort + "/register");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + egressPort
                + "/api/beacon/individuals"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("mori:" + passwords.get("mori"))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\": {\"filters\": [{\"id\": \"ICD10:C50\"}], \"requestedGranularity\":"
                        + " \"count\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.at("/responseSummary/exists").asBoolean()).as(r.body()).isTrue();
        assertThat(j.at("/responseSummary/numTotalResults").asInt()).isGreaterThanOrEqualTo(10);
        assertThat(j.at("/response/resultSets").findValuesAsText("id")).containsExactly("Chuo Biobank", "Hokuto Biobank", "Nishi Biobank");
    }

    @Order(2)
    @Test
    void aSecondUpOnTheSameDirectoryAndAPortAlreadyTakenStartNothing() throws Exception {
        Run second = launcher("up", "--data-dir", dir.toString());
        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.out()).contains("an enclave is already running from " + dir).contains("./enclave status --data-dir");

        Path other = work.resolve("other");
        List<String> args = new ArrayList<>(List.of("up", "--data-dir", other.toString()));
        int rpc = NotebookEnclave.freeRange(20);
        args.addAll(ports(Integer.toString(NotebookEnclave.freePort()), Integer.toString(NotebookEnclave.freePort()),
                Integer.toString(egressPort), Integer.toString(NotebookEnclave.freePort()), Integer.toString(NotebookEnclave.freePort()),
                Integer.toString(NotebookEnclave.freePort()), rpc + "-" + (rpc + 19)));
        Run taken = launcher(args.toArray(String[]::new));
        assertThat(taken.exit()).isEqualTo(1);
        assertThat(taken.out()).contains("already taken on 127.0.0.1: port " + egressPort + " (the egress service, --egress-port)")
                .contains("nothing was started");
        Run status = launcher("status", "--data-dir", other.toString(), "--format", "json");
        assertThat(status.exit()).isEqualTo(3);
        assertThat(JSON.readTree(status.out().substring(status.out().indexOf('{'))).path("running").asBoolean()).isFalse();
        assertThat(other.resolve("hdfs")).doesNotExist();
    }

    static WebDriver browser(Path downloads) throws IOException {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driver = Path.of("/usr/bin/chromedriver");
        boolean present = Files.isExecutable(chromium) && Files.isExecutable(driver);
        if ("1".equals(System.getenv("ENCLAVE_REQUIRE_BROWSER")) && !present) {
            throw new IllegalStateException("Chromium is required for the story: apt-get install chromium chromium-driver (infra/test.sh)");
        }
        assumeTrue(present, "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(chromium.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--lang=en-US", "--window-size=1400,1000", "--user-data-dir=" + Files.createTempDirectory(work, "chromium-"));
        o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        WebDriver d = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .withLogOutput(java.io.OutputStream.nullOutputStream()).build(), o);
        browsers.add(d);
        return d;
    }

    static WebDriverWait waitFor(WebDriver d, Duration timeout) {
        WebDriverWait w = new WebDriverWait(d, timeout);
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        // a page replaced while an element of it is read: ChromeDriver 156 reports it as "unknown error: unhandled
        // inspector error: Node with given id does not belong to the document", not as a stale element; read again
        w.ignoring(org.openqa.selenium.WebDriverException.class);
        return w;
    }

    static void runByKeyboard(WebDriver d, int n) {
        WebElement editor = d.findElements(By.cssSelector("li.paragraph")).get(n).findElement(By.cssSelector(".cm-content"));
        editor.click();
        editor.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        waitFor(d, Duration.ofMinutes(3)).until(x -> {
            WebElement p = x.findElements(By.cssSelector("li.paragraph")).get(n);
            return !p.getAttribute("class").contains("running") && !p.findElements(By.cssSelector(".results > *")).isEmpty();
        });
    }

    static void egressLogin(WebDriver d, String user) {
        d.get("http://127.0.0.1:" + egressPort + "/login");
        d.findElement(By.id("username")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(passwords.get(user));
        d.findElement(By.id("login")).click();
        waitFor(d, Duration.ofSeconds(30)).until(x -> !x.getCurrentUrl().contains("/login"));
    }

    static void approve(WebDriver d, String id, String comment) {
        d.get("http://127.0.0.1:" + egressPort + "/requests/" + id);
        for (WebElement fieldset : d.findElements(By.cssSelector("fieldset.review"))) {
            fieldset.findElement(By.cssSelector("input[value=approve]")).click();
            fieldset.findElements(By.tagName("textarea")).get(1).sendKeys(comment);
        }
        d.findElement(By.id("save-review")).click();
        waitFor(d, Duration.ofSeconds(30)).until(x -> !x.findElements(By.id("notice")).isEmpty());
    }

    static long aliceCounts(ZeppelinClient alice, String note) {
        ZeppelinClient.Result r = alice.runText(note, "%enclave\nSELECT count(*) AS n FROM participants");
        assertThat(r.code()).as(r.text()).isEqualTo("SUCCESS");
        return Long.parseLong(r.table().get(1).get(0));
    }

    @Order(3)
    @Test
    void theStory() throws Exception {
        // ops applies a change to a project as code: bob joins DEMO-1
        String spec;
        try (var in = getClass().getResourceAsStream("/demo/projects/DEMO-1.yaml")) {
            spec = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path specFile = work.resolve("DEMO-1.yaml");
        Files.writeString(specFile, spec.replace("members:\n", "members:\n  - user: bob\n    role: analyst\n    affiliation: academic\n"));
        Run plan = enclave("project", "plan", specFile.toString(), "--embedded", dir.toString());
        assertThat(plan.exit()).as(plan.out()).isZero();
        assertThat(plan.out()).contains("bob");
        Run apply = enclave("project", "apply", specFile.toString(), "--embedded", dir.toString());
        assertThat(apply.exit()).as(apply.out()).isZero();
        assertThat(apply.out()).contains("bob").contains("Notebooks: access regenerated");

        // alice in the workbench: what she may see (masked columns marked), a sample, a failing crosstab, its fix, the export
        Path aliceDownloads = Files.createTempDirectory(work, "alice-downloads");
        WebDriver alice = browser(aliceDownloads);
        alice.get("http://127.0.0.1:" + notebookPort + "/");
        waitFor(alice, Duration.ofSeconds(30)).until(x -> x.findElement(By.id("login")).isDisplayed());
        alice.findElement(By.id("user")).sendKeys("alice");
        alice.findElement(By.id("password")).sendKeys(passwords.get("alice"), Keys.ENTER);
        waitFor(alice, Duration.ofMinutes(2)).until(x -> !x.findElements(By.cssSelector("#schema details")).isEmpty());
        WebElement participants = alice.findElements(By.cssSelector("#schema details")).stream()
                .filter(t -> t.findElement(By.cssSelector(".table-name")).getText().equals("participants")).findFirst().orElseThrow();
        participants.findElement(By.tagName("summary")).click();
        assertThat(participants.findElement(By.cssSelector("li.column.masked")).getText()).contains("enrolled_on").contains("masked");
        alice.findElements(By.cssSelector("#samples li")).stream().filter(li -> li.getText().contains("2 A crosstab that fails"))
                .findFirst().orElseThrow().findElement(By.tagName("button")).click();
        waitFor(alice, Duration.ofSeconds(30)).until(x -> x.findElements(By.cssSelector("li.paragraph")).size() == 6);
        runByKeyboard(alice, 1);
        WebElement failing = alice.findElements(By.cssSelector("li.paragraph")).get(1);
        assertThat(failing.findElement(By.cssSelector(".verdict")).getAttribute("class")).contains("fail");
        assertThat(failing.findElement(By.cssSelector(".verdict")).getText()).contains("How to fix");
        runByKeyboard(alice, 5);
        WebElement fixed = alice.findElements(By.cssSelector("li.paragraph")).get(5);
        assertThat(fixed.findElement(By.cssSelector(".verdict")).getText()).doesNotContain("FAIL threshold");
        fixed.findElement(By.xpath(".//button[normalize-space()='Export…']")).click();
        WebElement panel = alice.findElements(By.cssSelector("li.paragraph")).get(5).findElement(By.cssSelector("form.export-panel"));
        WebElement name = panel.findElement(By.tagName("input"));
        name.clear();
        name.sendKeys("story.csv");
        panel.findElements(By.tagName("input")).get(1).sendKeys("Region by age band, small cells suppressed");
        panel.findElement(By.cssSelector("button[type=submit]")).click();
        waitFor(alice, Duration.ofMinutes(1)).until(x -> !x.findElements(By.cssSelector(".exported a.egress-link")).isEmpty());
        String link = alice.findElement(By.cssSelector(".exported a.egress-link")).getAttribute("href");
        assertThat(link).startsWith("http://127.0.0.1:" + egressPort + "/requests/new?project=DEMO-1&file=story.csv");

        // the request, in the egress service, from the workbench's link (the workbench stays signed in: cookies of their own)
        egressLogin(alice, "alice");
        alice.get(link);
        assertThat(alice.findElement(By.cssSelector("input[name=files][value='story.csv']")).isSelected()).isTrue();
        alice.findElement(By.id("controls")).sendKeys("small cells suppressed by the workbench");
        alice.findElement(By.id("create")).click();
        waitFor(alice, Duration.ofSeconds(30)).until(x -> !x.findElements(By.id("request-id")).isEmpty());
        String id = alice.findElement(By.id("request-id")).getText();
        alice.findElement(By.id("submit")).click();
        waitFor(alice, Duration.ofSeconds(30)).until(x -> x.findElement(By.id("status")).getText().equals("submitted"));

        // two stewards, each in a browser session of their own
        WebDriver sato = browser(Files.createTempDirectory(work, "sato"));
        egressLogin(sato, "sato");
        approve(sato, id, "suppressed as the rules require");
        assertThat(sato.findElement(By.id("status")).getText()).isEqualTo("partially reviewed");
        WebDriver suzuki = browser(Files.createTempDirectory(work, "suzuki"));
        egressLogin(suzuki, "suzuki");
        approve(suzuki, id, "agreed");
        assertThat(suzuki.findElement(By.id("status")).getText()).isEqualTo("reviewed");
        suzuki.findElement(By.id("release")).click();
        waitFor(suzuki, Duration.ofSeconds(60)).until(x -> x.findElement(By.id("status")).getText().equals("released"));

        // alice downloads exactly the file that was reviewed
        alice.get("http://127.0.0.1:" + egressPort + "/requests/" + id);
        alice.findElement(By.cssSelector(".file[data-file='story.csv'] a.download")).click();
        Path downloaded = aliceDownloads.resolve("story.csv");
        waitFor(alice, Duration.ofSeconds(30)).until(x -> Files.exists(downloaded));
        byte[] reviewed;
        try (jp.nmi.enclave.hdfs.EnclaveStorage storage = jp.nmi.enclave.hdfs.EnclaveStorage.running(dir);
                var in = storage.fs().open(new org.apache.hadoop.fs.Path("/enclave/projects/DEMO-1/outbox/story.csv"))) {
            reviewed = in.readAllBytes();
        }
        assertThat(Files.readAllBytes(downloaded)).isEqualTo(reviewed);
        // and the workbench still has her signed in
        alice.get("http://127.0.0.1:" + notebookPort + "/");
        waitFor(alice, Duration.ofSeconds(30)).until(x -> x.findElement(By.id("app")).isDisplayed());

        // ops applies an opt-out: participants of DEMO-1's cohort (breast cancer) withdraw; alice's next query no longer counts them
        ZeppelinClient aliceApi = new ZeppelinClient(URI.create("http://127.0.0.1:" + notebookPort + "/"));
        assertThat(aliceApi.login("alice", passwords.get("alice")).status()).isEqualTo(200);
        String note = aliceApi.createNote("/DEMO-1/alice/story counts", List.of());
        long before = aliceCounts(aliceApi, note);
        Set<String> optedOut = new LinkedHashSet<>();
        Set<String> already = new java.util.HashSet<>(Files.readAllLines(dir.resolve("demo-source/optout.csv")).stream()
                .map(l -> l.split(",")[0]).toList());
        for (String line : Files.readAllLines(dir.resolve("demo-source/diagnoses.csv"))) {
            String[] f = line.split(",");
            if (f[1].startsWith("C50") && !already.contains(f[0]) && optedOut.size() < 5) {
                optedOut.add(f[0]);
            }
        }
        Path optout = work.resolve("optout.csv");
        StringBuilder csv = new StringBuilder("patient_id,received_on\n");
        optedOut.forEach(p -> csv.append(p).append(",2026-11-30\n"));
        Files.writeString(optout, csv);
        Run applied = enclave("optout", "apply", optout.toString(), "--embedded", dir.toString());
        assertThat(applied.exit()).as(applied.out()).isZero();
        long after = aliceCounts(aliceApi, note);
        assertThat(after).as("%s opted out", optedOut).isLessThan(before).isGreaterThanOrEqualTo(before - optedOut.size());

        // ops closes the project; the certificate verifies
        Path certificates = Files.createDirectories(work.resolve("certificates"));
        Run dryRun = enclave("project", "close", "DEMO-1", "--embedded", dir.toString(), "--dry-run");
        assertThat(dryRun.exit()).as(dryRun.out()).isZero();
        assertThat(dryRun.out()).contains("Closing DEMO-1 (").contains("destroy  key project-demo-1").contains("Nothing was changed");
        Run close = enclave("project", "close", "DEMO-1", "--embedded", dir.toString(), "--certificate-dir", certificates.toString(),
                "--yes");
        assertThat(close.exit()).as(close.out()).isZero();
        Path certificate;
        try (var files = Files.list(certificates)) {
            certificate = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        Run verify = enclave("project", "verify-certificate", certificate.toString(), "--embedded", dir.toString());
        assertThat(verify.exit()).as(verify.out()).isZero();
    }

    @Order(4)
    @Test
    void downStopsEverythingAndStatusSaysSo() throws Exception {
        Run status = launcher("status", "--data-dir", dir.toString(), "--format", "json");
        JsonNode before = JSON.readTree(status.out().substring(status.out().indexOf('{')));
        List<Long> pids = new ArrayList<>();
        before.path("services").forEach(s -> pids.add(s.path("pid").asLong()));

        Run down = launcher("down", "--data-dir", dir.toString());
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(down.out()).contains("stopping the enclave in " + dir).contains("stopped");
        assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
        awaitGone(pids);
        Run after = launcher("status", "--data-dir", dir.toString(), "--format", "json");
        assertThat(after.exit()).isEqualTo(3);
        assertThat(JSON.readTree(after.out().substring(after.out().indexOf('{'))).path("running").asBoolean()).isFalse();
        Run again = launcher("down", "--data-dir", dir.toString());
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("no enclave runs from " + dir);
        assertThat(dir.resolve("run/enclave.json")).doesNotExist();
        assertThat(dir.resolve("run/hdfs.uri")).doesNotExist();
        assertThat(dir.resolve("run/egress-db.port")).doesNotExist();
    }

    /** Started again it keeps everything; killed outright, down still stops every process it left behind. */
    @Order(5)
    @Test
    void aRestartKeepsEverythingAndDownCleansUpAfterAKilledUp() throws Exception {
        List<String> args = new ArrayList<>(List.of("up", "--data-dir", dir.toString()));
        int rpc = NotebookEnclave.freeRange(20);
        args.addAll(ports(Integer.toString(NotebookEnclave.freePort()), Integer.toString(NotebookEnclave.freePort()),
                Integer.toString(egressPort), Integer.toString(NotebookEnclave.freePort()), Integer.toString(monitorPort),
                Integer.toString(notebookPort), rpc + "-" + (rpc + 19)));
        Path log = work.resolve("up-again.log");
        Process again = java("jp.nmi.infra.cli.LauncherCli", args).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.readString(log).contains("The enclave is ready")) {
            if (!again.isAlive() || System.nanoTime() > deadline) {
                again.destroyForcibly();
                throw new AssertionError("the second up did not come up: " + Files.readString(log));
            }
            Thread.sleep(500);
        }
        assertThat(Files.readString(log)).contains("demo world").contains("kept from the last start").doesNotContain("first start");
        Run status = launcher("status", "--data-dir", dir.toString(), "--format", "json");
        assertThat(status.exit()).as(status.out()).isZero();
        List<Long> pids = new ArrayList<>();
        JSON.readTree(status.out().substring(status.out().indexOf('{'))).path("services").forEach(x -> pids.add(x.path("pid").asLong()));

        again.destroyForcibly(); // kill -9: no chance to stop anything
        assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Run down = launcher("down", "--data-dir", dir.toString());
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(down.out()).contains("no enclave runs from " + dir).contains("left behind");
        awaitGone(pids);
        assertThat(jp.nmi.infra.up.Probe.free(egressPort)).isTrue();
        assertThat(jp.nmi.infra.up.Probe.free(notebookPort)).isTrue();
    }

    /** A service that does not come up stops everything started before it, and says which and why. */
    @Order(6)
    @Test
    void aHalfStartedEnclaveStopsWhatItStartedAndSaysWhy() throws Exception {
        Path half = work.resolve("half");
        Path brokenHome = Files.createDirectories(work.resolve("no-zeppelin-home"));
        int pg = NotebookEnclave.freePort();
        int egress = NotebookEnclave.freePort();
        int egressMetrics = NotebookEnclave.freePort();
        int rpc = NotebookEnclave.freeRange(20);
        List<String> args = new ArrayList<>(List.of("up", "--data-dir", half.toString(), "--participants", "100"));
        args.addAll(ports(Integer.toString(NotebookEnclave.freePort()), Integer.toString(pg), Integer.toString(egress),
                Integer.toString(egressMetrics), Integer.toString(NotebookEnclave.freePort()), Integer.toString(NotebookEnclave.freePort()),
                rpc + "-" + (rpc + 19)));
        Path out = work.resolve("half.log");
        Process p = java(List.of("-Denclave.zeppelin.home=" + brokenHome), "jp.nmi.infra.cli.LauncherCli", args)
                .redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(out);
        assertThat(p.exitValue()).as(log).isEqualTo(1);
        assertThat(log).contains("[4/6] egress service").contains("the Zeppelin home " + brokenHome + " is incomplete")
                .contains("stopping what was started").contains("nothing is left running");
        Run status = launcher("status", "--data-dir", half.toString(), "--format", "json");
        assertThat(status.exit()).isEqualTo(3);
        assertThat(JSON.readTree(status.out().substring(status.out().indexOf('{'))).path("running").asBoolean()).isFalse();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(jp.nmi.infra.up.Probe.free(pg) && jp.nmi.infra.up.Probe.free(egress) && jp.nmi.infra.up.Probe.free(egressMetrics))
                && System.nanoTime() < until) {
            Thread.sleep(200);
        }
        assertThat(jp.nmi.infra.up.Probe.free(egress)).as("the egress service's port").isTrue();
        assertThat(jp.nmi.infra.up.Probe.free(egressMetrics)).as("the egress service's metrics port").isTrue();
        assertThat(jp.nmi.infra.up.Probe.free(pg)).as("PostgreSQL's port").isTrue();
        assertThat(ProcessHandle.allProcesses().filter(x -> x.info().commandLine().map(c -> c.contains(half.toString())).orElse(false))
                .map(ProcessHandle::pid).toList()).as("processes of " + half).isEmpty();
    }

    /** Every process of {@code pids} ends within 30 s (PostgreSQL finishes its shutdown after the supervisor is gone). */
    static void awaitGone(List<Long> pids) throws InterruptedException {
        for (long pid : pids) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
                Thread.sleep(200);
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("process %d after down", pid).isFalse();
        }
    }
}
