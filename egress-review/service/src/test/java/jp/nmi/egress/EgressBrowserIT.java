package jp.nmi.egress;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.ANALYST_KENJI;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static jp.nmi.enclave.testing.Personas.STEWARD_SUZUKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.testing.EgressFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The whole workflow in real headless Chromium (Debian's chromium and chromium-driver, installed
 * by infra/test.sh): an analyst creates and submits a request, two stewards review it in their
 * own browser sessions, one releases it, the analyst downloads the file. Screenshots of the
 * stewards' queue and request page go to target/screenshots, and to docs/images when
 * ENCLAVE_UPDATE_SCREENSHOTS=1.
 */
class EgressBrowserIT {
    static EgressFixture fx;
    static EgressFixture.Service svc;
    static final List<WebDriver> drivers = new ArrayList<>();
    static Path downloads;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(jp.nmi.egress.testing.Browsers.present(), "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        fx = EgressFixture.get();
        svc = fx.start();
        downloads = Files.createTempDirectory("egress-downloads-");
    }

    @AfterAll
    static void stop() {
        drivers.forEach(WebDriver::quit);
        if (svc != null) {
            svc.close();
        }
    }

    /** A browser of its own (its own cookies, its own session). */
    static WebDriver browser() throws IOException {
        WebDriver d = jp.nmi.egress.testing.Browsers.open(downloads, "en");
        drivers.add(d);
        return d;
    }

    static void login(WebDriver d, String user) {
        jp.nmi.egress.testing.Browsers.login(d, svc.url("/login"), user, fx.passwords.get(user));
    }

    static WebDriverWait waitFor(WebDriver d) {
        return jp.nmi.egress.testing.Browsers.waitFor(d);
    }

    static void screenshot(WebDriver d, String name) throws IOException {
        jp.nmi.egress.testing.Browsers.screenshot(d, name);
    }

    static void review(WebDriver d, String id, String comment) {
        d.get(svc.url("/requests/" + id));
        for (WebElement fieldset : d.findElements(By.cssSelector("fieldset.review"))) {
            fieldset.findElement(By.cssSelector("input[value=approve]")).click();
            fieldset.findElements(By.tagName("textarea")).get(1).sendKeys(comment);
        }
        d.findElement(By.id("save-review")).click();
        waitFor(d).until(x -> !x.findElements(By.id("notice")).isEmpty());
    }

    /** A review without the mouse: each decision beside its file, chosen, commented and saved by keys alone. */
    static void reviewByKeyboard(WebDriver d, String id, String comment) {
        d.get(svc.url("/requests/" + id));
        for (WebElement fieldset : d.findElements(By.cssSelector("fieldset.review"))) {
            WebElement approve = fieldset.findElement(By.cssSelector("input[value=approve]"));
            approve.sendKeys(Keys.SPACE);
            assertThat(approve.isSelected()).isTrue();
            fieldset.findElements(By.tagName("textarea")).get(1).sendKeys(comment);
        }
        d.findElement(By.id("save-review")).sendKeys(Keys.ENTER);
        waitFor(d).until(x -> !x.findElements(By.id("notice")).isEmpty());
    }

    @Test
    void anAnalystSubmitsTwoStewardsReviewTheAnalystDownloads() throws Exception {
        byte[] table = "sex,count\nF,120\nM,4\n".getBytes(StandardCharsets.UTF_8);
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "browser-sex.csv", table);
        fx.writeCheckedOutput(ANALYST_ALICE, "DEMO-1", "browser-region.csv", regionRows(), "crosstab index=region columns=sex", false);

        // the analyst
        WebDriver alice = browser();
        login(alice, ANALYST_ALICE);
        assertThat(alice.getCurrentUrl()).endsWith("/requests");
        // a notebook's export link opens the form with the file ticked and the analyst's description
        alice.get(svc.url("/requests/new?project=DEMO-1&file=browser-region.csv&context=Region+by+sex"));
        assertThat(alice.findElement(By.cssSelector("input[name=files][value='browser-region.csv']")).isSelected()).isTrue();
        assertThat(alice.findElement(By.cssSelector("input[name=files][value='browser-sex.csv']")).isSelected()).isFalse();
        assertThat(alice.findElement(By.id("context")).getAttribute("value")).isEqualTo("Region by sex");
        alice.get(svc.url("/requests/new?project=DEMO-1"));
        alice.findElement(By.cssSelector("input[name=files][value='browser-sex.csv']")).click();
        alice.findElement(By.cssSelector("input[name=files][value='browser-region.csv']")).click();
        alice.findElement(By.id("context")).sendKeys("Participants of the breast cancer cohort by sex and by region");
        alice.findElement(By.id("controls")).sendKeys("none yet; the M cell is small and is for the stewards to judge");
        alice.findElement(By.id("create")).click();
        waitFor(alice).until(x -> !x.findElements(By.id("request-id")).isEmpty());
        String id = alice.findElement(By.id("request-id")).getText();
        assertThat(alice.findElement(By.id("status")).getText()).isEqualTo("draft");
        alice.findElement(By.id("submit")).click();
        waitFor(alice).until(x -> x.findElement(By.id("status")).getText().equals("submitted"));

        // two more requests waiting, so that the queue shows what a steward's morning looks like
        fx.writeOutbox(ANALYST_KENJI, "DEMO-1", "browser-bands.csv", "age_band,count\n50-59,31\n60-69,44\n".getBytes(StandardCharsets.UTF_8));
        String other = svc.bean(jp.nmi.egress.request.Requests.class).create(fx.actor(ANALYST_KENJI), "DEMO-1",
                List.of("browser-bands.csv"), "age bands of the cohort", "none").id();
        svc.bean(jp.nmi.egress.request.Requests.class).submit(fx.actor(ANALYST_KENJI), other);
        svc.bean(jp.nmi.egress.request.Reviews.class).review(fx.actor(STEWARD_SUZUKI), other,
                Map.of("browser-bands.csv", new jp.nmi.egress.request.Reviews.FileReview("approve", "", "")));

        // the first steward, in her own session: the queue, then the request with the small cell flagged
        WebDriver sato = browser();
        login(sato, STEWARD_SATO);
        assertThat(sato.getCurrentUrl()).endsWith("/queue");
        WebElement row = sato.findElement(By.cssSelector("#queue tr[data-request='" + id + "']"));
        assertThat(row.getText()).contains("DEMO-1").contains("alice").contains("fail");
        screenshot(sato, "steward-queue.png");
        sato.get(svc.url("/requests/" + id));
        sato.manage().window().setSize(new Dimension(1280, 2300));
        WebElement flagged = sato.findElement(By.cssSelector(".file[data-file='browser-sex.csv'] td.flag-fail"));
        assertThat(flagged.getText()).isEqualTo("4");
        assertThat(flagged.getAttribute("title")).contains("threshold (fail)");
        // the rule behind a flagged cell is written out, not only in a tooltip, and the cell is reachable by keyboard
        assertThat(flagged.getAttribute("tabindex")).isEqualTo("0");
        assertThat(flagged.getAttribute("aria-label")).contains("threshold (fail)").contains("row ");
        assertThat(sato.findElement(By.cssSelector(".file[data-file='browser-sex.csv'] ul.flags")).getText())
                .containsPattern("row [0-9]+ \\([A-Za-z]+\\), .*threshold \\(fail\\)");
        assertThat(sato.findElement(By.cssSelector(".file[data-file='browser-sex.csv'] .legend")).getText()).contains("a check failed");
        assertThat(sato.findElement(By.cssSelector(".file[data-file='browser-region.csv'] .check")).getText()).isEqualTo("checks: pass");
        // the files with their verdicts at the top, each a link to the file; rules that do not apply are told apart
        List<WebElement> listed = sato.findElements(By.cssSelector("nav.file-list li"));
        assertThat(listed).extracting(WebElement::getText).containsExactly("browser-region.csv pass incomplete",
                "browser-sex.csv fail incomplete");
        String target = sato.findElement(By.cssSelector("nav.file-list li:nth-child(2) a")).getAttribute("href");
        assertThat(sato.findElement(By.id(target.substring(target.indexOf('#') + 1))).getAttribute("data-file")).isEqualTo("browser-sex.csv");
        assertThat(sato.findElement(By.cssSelector(".file[data-file='browser-region.csv'] details.not-applicable summary")).getText())
                .startsWith("Rules that do not apply to this file (");
        screenshot(sato, "steward-request.png");
        review(sato, id, "synthetic demo data; the small cell is acceptable here");
        assertThat(sato.findElement(By.id("status")).getText()).isEqualTo("partially reviewed");

        // the second steward, in another session
        WebDriver suzuki = browser();
        login(suzuki, STEWARD_SUZUKI);
        reviewByKeyboard(suzuki, id, "agree with sato");
        assertThat(suzuki.findElement(By.id("status")).getText()).isEqualTo("reviewed");
        suzuki.findElement(By.id("release")).click();
        waitFor(suzuki).until(x -> x.findElement(By.id("status")).getText().equals("released"));

        // a phone's width: the request page and the queue do not scroll sideways
        suzuki.manage().window().setSize(new Dimension(420, 900));
        for (String page : List.of("/requests/" + id, "/queue")) {
            suzuki.get(svc.url(page));
            Object overflow = ((org.openqa.selenium.JavascriptExecutor) suzuki).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(((Number) overflow).intValue()).as("sideways scroll of %s at 420 px", page).isLessThanOrEqualTo(0);
        }
        screenshot(suzuki, "steward-queue-phone.png");
        suzuki.manage().window().setSize(new Dimension(1280, 1000));
        // 日本語: the switch in the header, remembered on the next page
        suzuki.get(svc.url("/queue"));
        suzuki.findElement(By.id("lang-ja")).click();
        waitFor(suzuki).until(x -> x.findElement(By.tagName("h1")).getText().equals("審査待ち"));
        suzuki.get(svc.url("/requests/" + id));
        assertThat(suzuki.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("ja");
        assertThat(suzuki.findElement(By.cssSelector("#messages-title, h2")).getText()).isNotBlank();
        assertThat(suzuki.getPageSource()).contains("自動検査").contains("ファイル");
        screenshot(suzuki, "steward-request-ja.png");
        suzuki.findElement(By.id("lang-en")).click();
        waitFor(suzuki).until(x -> x.findElement(By.tagName("html")).getAttribute("lang").equals("en"));

        // the analyst sees the public outcome and downloads exactly the reviewed bytes
        alice.get(svc.url("/requests/" + id));
        assertThat(alice.findElement(By.id("status")).getText()).isEqualTo("released");
        assertThat(alice.getPageSource()).doesNotContain("agree with sato");
        alice.findElement(By.cssSelector(".file[data-file='browser-sex.csv'] a.download")).click();
        Path file = downloads.resolve("browser-sex.csv");
        waitFor(alice).until(x -> Files.exists(file));
        assertThat(Files.readAllBytes(file)).isEqualTo(table);
        screenshot(alice, "analyst-request.png");
    }

    static String regionRows() {
        StringBuilder sb = new StringBuilder("participant_id,region,sex\n");
        String[] regions = {"Hokkaido", "Kanto", "Kinki", "Kyushu"};
        for (int i = 0; i < 240; i++) {
            sb.append("b").append(i).append(',').append(regions[i % 4]).append(',').append(i % 8 < 4 ? "F" : "M").append('\n');
        }
        return sb.toString();
    }
}
