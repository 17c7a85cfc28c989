package jp.nmi.egress.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Real headless Chromium for the pages' tests (Debian's chromium and chromium-driver, installed by
 * infra/test.sh): a browser of its own per user, waits that read through page loads, screenshots to
 * target/screenshots and, with ENCLAVE_UPDATE_SCREENSHOTS=1, to docs/images.
 */
public final class Browsers {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private Browsers() {}

    /** Whether the tests can run here; with ENCLAVE_REQUIRE_BROWSER=1 their absence is an error. */
    public static boolean present() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if ("1".equals(System.getenv("ENCLAVE_REQUIRE_BROWSER")) && !present) {
            throw new IllegalStateException("Chromium is required for the browser tests: apt-get install chromium chromium-driver"
                    + " (infra/test.sh does this)");
        }
        return present;
    }

    /** A browser with cookies of its own, downloading into {@code downloads}, in {@code language}. */
    public static WebDriver open(Path downloads, String language) throws IOException {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        // Without the background-networking flags Chromium keeps trying to reach Google's hosts from this closed network.
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,1400", "--lang=" + language, "--user-data-dir=" + Files.createTempDirectory("chromium-"));
        o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false,
                "intl.accept_languages", language));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        WebDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        d.manage().window().setSize(new Dimension(1280, 1400));
        return d;
    }

    /** Signs {@code user} in on the egress service's login page at {@code loginUrl}, and waits until it has left it. */
    public static void login(WebDriver d, String loginUrl, String user, String password) {
        d.get(loginUrl);
        d.findElement(org.openqa.selenium.By.id("username")).sendKeys(user);
        d.findElement(org.openqa.selenium.By.id("password")).sendKeys(password);
        d.findElement(org.openqa.selenium.By.id("login")).click();
        waitFor(d).until(x -> !x.getCurrentUrl().contains("/login"));
    }

    /** Waits through page loads: an element found before a navigation goes stale, and is looked up again. */
    public static WebDriverWait waitFor(WebDriver d) {
        WebDriverWait w = new WebDriverWait(d, Duration.ofSeconds(30));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        // a page replaced while an element of it is read: ChromeDriver 156 reports it as "unknown error: unhandled
        // inspector error: Node with given id does not belong to the document", not as a stale element; read again
        w.ignoring(org.openqa.selenium.WebDriverException.class);
        return w;
    }

    public static void screenshot(WebDriver d, String name) throws IOException {
        File shot = ((TakesScreenshot) d).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "screenshots", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        if ("1".equals(System.getenv("ENCLAVE_UPDATE_SCREENSHOTS"))) {
            Path docs = Path.of(System.getProperty("enclave.root", "../.."), "docs", "images", name);
            Files.createDirectories(docs.getParent());
            Files.copy(shot.toPath(), docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
