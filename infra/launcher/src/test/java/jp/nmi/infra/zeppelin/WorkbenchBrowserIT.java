package jp.nmi.infra.zeppelin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The workbench in real headless Chromium against the real Zeppelin server and interpreter: an
 * analyst signs in, browses what she may see, opens a sample, runs it by keyboard, sees a chart,
 * fixes a failing crosstab and exports it; the page in Japanese and at phone width. Screenshots go
 * to target/screenshots, and to docs/images when ENCLAVE_UPDATE_SCREENSHOTS=1.
 */
class WorkbenchBrowserIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static NotebookEnclave e;
    static WebDriver d;

    @BeforeAll
    static void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if ("1".equals(System.getenv("ENCLAVE_REQUIRE_BROWSER")) && !present) {
            throw new IllegalStateException("Chromium is required for the browser tests: apt-get install chromium chromium-driver"
                    + " (infra/test.sh does this)");
        }
        assumeTrue(present, "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        e = NotebookEnclave.get();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--lang=en-US", "--window-size=1400,1000", "--user-data-dir=" + Files.createTempDirectory("chromium-"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        d = new ChromeDriver(service, o);
        d.manage().window().setSize(new Dimension(1400, 1000));
    }

    @AfterAll
    static void stop() {
        if (d != null) {
            d.quit();
        }
    }

    static WebDriverWait waitFor(Duration timeout) {
        WebDriverWait w = new WebDriverWait(d, timeout);
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        // a page replaced while an element of it is read: ChromeDriver 156 reports it as "unknown error: unhandled
        // inspector error: Node with given id does not belong to the document", not as a stale element; read again
        w.ignoring(org.openqa.selenium.WebDriverException.class);
        return w;
    }

    static void screenshot(String name) throws IOException {
        File shot = ((TakesScreenshot) d).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "screenshots", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        if ("1".equals(System.getenv("ENCLAVE_UPDATE_SCREENSHOTS"))) {
            Path docs = Path.of(System.getProperty("enclave.root", "../.."), "docs", "images", name);
            Files.copy(shot.toPath(), docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The n-th paragraph of the open note (0-based). */
    static WebElement paragraph(int n) {
        return d.findElements(By.cssSelector("li.paragraph")).get(n);
    }

    static void runByKeyboard(int n) {
        WebElement editor = paragraph(n).findElement(By.cssSelector(".cm-content"));
        editor.click();
        editor.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        waitFor(Duration.ofMinutes(2)).until(x -> !paragraph(n).getAttribute("class").contains("running")
                && !paragraph(n).findElements(By.cssSelector(".results > *")).isEmpty());
    }

    @Test
    void anAnalystOpensASampleFixesACrosstabSeesAChartAndExports() throws Exception {
        d.get(e.server.url().toString());
        waitFor(Duration.ofSeconds(30)).until(x -> x.findElement(By.id("login")).isDisplayed());
        screenshot("workbench-login.png");
        d.findElement(By.id("user")).sendKeys("alice");
        d.findElement(By.id("password")).sendKeys(e.passwords.get("alice"), Keys.ENTER);
        waitFor(Duration.ofSeconds(30)).until(x -> x.findElement(By.id("app")).isDisplayed());
        assertThat(d.findElement(By.id("who")).getText()).isEqualTo("Signed in as alice");

        // the schema browser: what alice may see, masked columns marked
        waitFor(Duration.ofMinutes(2)).until(x -> !x.findElements(By.cssSelector("#schema details")).isEmpty());
        WebElement participants = d.findElements(By.cssSelector("#schema details")).stream()
                .filter(t -> t.findElement(By.cssSelector(".table-name")).getText().equals("participants")).findFirst().orElseThrow();
        participants.findElement(By.tagName("summary")).click();
        assertThat(participants.findElement(By.cssSelector("li.column.masked")).getText()).contains("enrolled_on").contains("masked");

        // a sample: a crosstab that fails the disclosure check, and its fixes
        WebElement sample = d.findElements(By.cssSelector("#samples li")).stream()
                .filter(li -> li.getText().contains("2 A crosstab that fails")).findFirst().orElseThrow();
        sample.findElement(By.tagName("button")).click();
        waitFor(Duration.ofSeconds(30)).until(x -> x.findElements(By.cssSelector("li.paragraph")).size() == 6);
        assertThat(d.findElement(By.id("note-title")).getText()).isEqualTo("alice/2 A crosstab that fails the disclosure check, and how to fix it");

        runByKeyboard(1);
        WebElement verdict = paragraph(1).findElement(By.cssSelector(".verdict"));
        assertThat(verdict.getAttribute("class")).contains("fail");
        assertThat(verdict.getText()).contains("Fails a disclosure check").contains("How to fix");
        assertThat(paragraph(1).findElements(By.cssSelector("td.flagged"))).isNotEmpty();
        screenshot("workbench-crosstab-fails.png");

        runByKeyboard(5);
        WebElement fixed = paragraph(5);
        assertThat(fixed.findElement(By.cssSelector("table.result")).getText()).contains("suppressed");
        assertThat(fixed.findElement(By.cssSelector(".verdict")).getText()).doesNotContain("FAIL threshold");

        // an output as a chart
        runByKeyboard(3);
        paragraph(3).findElement(By.cssSelector("button[data-view=bar]")).click();
        waitFor(Duration.ofSeconds(10)).until(x -> !paragraph(3).findElements(By.cssSelector(".chart canvas")).isEmpty());
        ((org.openqa.selenium.JavascriptExecutor) d).executeScript("arguments[0].scrollIntoView()", paragraph(3));
        screenshot("workbench-chart.png");

        // export it: the panel writes the output with its record, and offers the egress request
        fixed.findElement(By.xpath(".//button[normalize-space()='Export…']")).click();
        WebElement panel = paragraph(5).findElement(By.cssSelector("form.export-panel"));
        WebElement name = panel.findElement(By.tagName("input"));
        name.clear();
        name.sendKeys("region_by_age_band.csv");
        panel.findElements(By.tagName("input")).get(1).sendKeys("Region by age band, small cells suppressed");
        panel.findElement(By.cssSelector("button[type=submit]")).click();
        waitFor(Duration.ofMinutes(1)).until(x -> !x.findElements(By.cssSelector(".exported a.egress-link")).isEmpty());
        WebElement link = d.findElement(By.cssSelector(".exported a.egress-link"));
        assertThat(link.getAttribute("href")).contains("/requests/new?project=DEMO-1&file=region_by_age_band.csv");
        assertThat(e.enclave.storage().fs().exists(new org.apache.hadoop.fs.Path("/enclave/projects/DEMO-1/outbox/region_by_age_band.csv")))
                .isTrue();
        screenshot("workbench-exported.png");

        // Japanese, and a phone's width
        d.findElement(By.id("lang")).click();
        waitFor(Duration.ofSeconds(10)).until(x -> x.findElement(By.cssSelector(".brand")).getText().equals("エンクレーブ分析ワークベンチ"));
        d.manage().window().setSize(new Dimension(390, 844));
        waitFor(Duration.ofSeconds(10)).until(x -> !x.findElements(By.cssSelector("#notes li")).isEmpty());
        assertThat(d.findElement(By.id("notes-title")).getText()).isEqualTo("ノート");
        screenshot("workbench-phone-ja.png");
        d.manage().window().setSize(new Dimension(1400, 1000));
        d.findElement(By.id("lang")).click();
    }

    @Test
    void aSignInWithAWrongPasswordSaysSoAndTheKeyboardReachesEverything() {
        d.get(e.server.url().toString());
        d.manage().deleteAllCookies();
        d.navigate().refresh();
        waitFor(Duration.ofSeconds(30)).until(x -> x.findElement(By.id("login")).isDisplayed());
        d.findElement(By.id("user")).sendKeys("bob");
        d.findElement(By.id("password")).sendKeys("wrong", Keys.ENTER);
        waitFor(Duration.ofSeconds(10)).until(x -> x.findElement(By.id("login-error")).isDisplayed());
        assertThat(d.findElement(By.id("login-error")).getText()).startsWith("Wrong user name or password");
        List<WebElement> focusable = d.findElements(By.cssSelector("#login input, #login button"));
        assertThat(focusable).allSatisfy(f -> assertThat(f.getAttribute("tabindex")).isNotEqualTo("-1"));
    }
}
