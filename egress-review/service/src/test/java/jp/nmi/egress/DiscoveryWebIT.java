package jp.nmi.egress;

import static jp.nmi.enclave.testing.Personas.RESEARCHER_MORI;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.testing.Browsers;
import jp.nmi.egress.testing.EgressFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * Cohort discovery through the egress service (issue 17): the Beacon v2 endpoint for scripts, and
 * the page in real headless Chromium, by keyboard, in both languages and at phone width.
 */
class DiscoveryWebIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static EgressFixture fx;
    static EgressFixture.Service svc;
    static final List<WebDriver> drivers = new ArrayList<>();
    static Path downloads;

    @BeforeAll
    static void start() throws Exception {
        fx = EgressFixture.get();
        svc = fx.start();
        downloads = Files.createTempDirectory("discovery-downloads-");
    }

    @AfterAll
    static void stop() {
        drivers.forEach(WebDriver::quit);
        if (svc != null) {
            svc.close();
        }
    }

    static String beaconQuery(String filters, String granularity) {
        return "{\"meta\": {\"apiVersion\": \"v2.0\"}, \"query\": {\"filters\": " + filters + ", \"requestedGranularity\": \"" + granularity
                + "\"}}";
    }

    @Test
    void theBeaconAnswersCountsPerBiobankToRegisteredResearchersOnly() throws Exception {
        HttpResponse<String> r = svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                beaconQuery("[{\"id\": \"ICD10:C50\"}, {\"id\": \"sex\", \"operator\": \"=\", \"value\": \"F\"}]", "count"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.at("/meta/returnedGranularity").asText()).isEqualTo("count");
        assertThat(j.at("/meta/receivedRequestSummary/requestParameters/where").asText()).isEqualTo("icd10=C50,sex=F");
        assertThat(j.at("/responseSummary/exists").asBoolean()).isTrue();
        int total = j.at("/responseSummary/numTotalResults").asInt();
        assertThat(total % 10).isZero();
        assertThat(total).isGreaterThanOrEqualTo(10);
        assertThat(j.at("/responseSummary/countPrecision").asText()).isEqualTo("rounded");
        JsonNode sets = j.at("/response/resultSets");
        assertThat(sets).hasSize(3);
        assertThat(sets.get(0).get("id").asText()).isEqualTo("Chuo Biobank");
        assertThat(sets.get(0).get("setType").asText()).isEqualTo("dataset");
        for (JsonNode s : sets) {
            // a bound is no count: exists false and the range it stands for
            if (s.at("/info/shown").asText().startsWith("<")) {
                assertThat(s.get("exists").asBoolean()).isFalse();
                assertThat(s.at("/info/resultCountDescription/maxRange").asInt()).isEqualTo(9);
            } else {
                assertThat(s.get("resultsCount").asInt() % 10).isZero();
            }
        }
        // OR and another breakdown through requestParameters; a bound for a small cohort
        JsonNode either = JSON.readTree(svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                "{\"query\": {\"requestParameters\": {\"where\": \"icd10=C50;icd10=C34\", \"by\": \"sex\"}}}").body());
        assertThat(either.at("/response/resultSets/0/setType").asText()).isEqualTo("cohort");
        assertThat(either.at("/response/resultSets").findValuesAsText("id")).containsExactly("F", "M");
        JsonNode few = JSON.readTree(svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                beaconQuery("[{\"id\": \"ICD10:C50\"}, {\"id\": \"age_band\", \"value\": \"0-9\"}]", "boolean")).body());
        assertThat(few.at("/responseSummary/exists").asBoolean()).isFalse();
        assertThat(few.at("/responseSummary/numTotalResults").isMissingNode()).isTrue();
        assertThat(few.at("/info/total").asText()).isEqualTo("<10");

        // what it cannot read, and who may not ask, each said
        HttpResponse<String> unknown = svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                beaconQuery("[{\"id\": \"NCIT:C16576\"}]", "count"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).get("message").asText())
                .isEqualTo("filter 'NCIT:C16576' is not one this beacon knows (see /api/beacon/filtering_terms)");
        HttpResponse<String> huge = svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                "{\"query\": {\"requestParameters\": {\"where\": \"" + "x".repeat(70_000) + "\"}}}");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).contains("the request body has 70047 characters; a Beacon query here has at most 65536");
        HttpResponse<String> records = svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                beaconQuery("[{\"id\": \"ICD10:C50\"}]", "record"));
        assertThat(records.statusCode()).isEqualTo(400);
        assertThat(records.body()).contains("requestedGranularity record: this beacon answers counts (count or boolean), never records");
        HttpResponse<String> steward = svc.call(STEWARD_SATO, "POST", "/api/beacon/individuals", beaconQuery("[{\"id\": \"ICD10:C50\"}]",
                "count"));
        assertThat(steward.statusCode()).isEqualTo(403);
        assertThat(steward.body()).contains("sato is not a registered researcher: cohort discovery is for researchers and analysts");
        HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(svc.url("/api/beacon/individuals")))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(beaconQuery("[]", "count"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        // the filtering terms are the classification's, with titles
        JsonNode terms = JSON.readTree(svc.call(RESEARCHER_MORI, "GET", "/api/beacon/filtering_terms", null).body());
        assertThat(terms.at("/response/filteringTerms").findValuesAsText("id")).contains("ICD10:C00-D48", "ICD10:C50", "ICD10:C50.9",
                "DUO:0000042", "sex", "biobank");

        // every query in the service's audit chain, which still verifies
        try (var c = svc.bean(DataSource.class).getConnection();
                var s = c.prepareStatement("SELECT count(*) FROM audit_event WHERE action = 'discovery.query' AND actor = ?")) {
            s.setString(1, RESEARCHER_MORI);
            try (var rs = s.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(3);
            }
        }
        assertThat(svc.bean(EgressAudit.class).verify().intact()).isTrue();
    }

    static WebDriver browser(String language) throws Exception {
        WebDriver d = Browsers.open(downloads, language);
        drivers.add(d);
        return d;
    }

    static void login(WebDriver d, String user) {
        Browsers.login(d, svc.url("/login"), user, fx.passwords.get(user));
    }

    /** Waits for the ICD-10 chapters; if they never come, says what the page's script and its endpoint said. */
    static void awaitChapters(WebDriver d) {
        try {
            Browsers.waitFor(d).until(x -> x.findElements(By.cssSelector("#icd10-tree > li")).size() == 22);
        } catch (org.openqa.selenium.TimeoutException e) {
            Object endpoint = ((JavascriptExecutor) d).executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + " fetch('discovery/api/icd10').then(r => r.text().then(t => done(r.status + ' ' + t))).catch(e => done(String(e)));");
            throw new AssertionError("no ICD-10 chapters on the page; its error: '" + d.findElement(By.id("discovery-error")).getText()
                    + "'; the endpoint: " + endpoint, e);
        }
    }

    @Test
    void aResearcherBuildsCriteriaFromTheHierarchyByKeyboardAndSeesCountsPerBiobank() throws Exception {
        assumeTrue(Browsers.present(), "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        WebDriver d = browser("en");
        login(d, RESEARCHER_MORI);
        assertThat(d.getCurrentUrl()).endsWith("/discovery");
        awaitChapters(d);

        // the criteria typed as text become the builder's conditions
        WebElement text = d.findElement(By.id("criteria-text"));
        text.sendKeys(Keys.chord(Keys.CONTROL, "a"), "sex=F,age_band!=0-9", Keys.TAB);
        Browsers.waitFor(d).until(x -> x.findElements(By.cssSelector("#groups .condition")).size() == 2);
        // a chapter opened, a category found by name, and added, all by keyboard
        WebElement neoplasms = d.findElement(By.cssSelector("#icd10-tree li[data-code='C00-D48'] > button.twisty"));
        neoplasms.sendKeys(Keys.ENTER);
        Browsers.waitFor(d).until(x -> !x.findElements(By.cssSelector("li[data-code='C00-D48'] li[data-code='C00-C97']")).isEmpty());
        assertThat(neoplasms.getAttribute("aria-expanded")).isEqualTo("true");
        WebElement search = d.findElement(By.id("icd10-search"));
        search.sendKeys("breast");
        Browsers.waitFor(d).until(x -> !x.findElements(By.cssSelector("#icd10-tree li[data-code='C50'] .add-code")).isEmpty());
        assertThat(d.findElement(By.cssSelector("#icd10-tree li[data-code='C50']")).getText()).contains("Malignant neoplasm of breast");
        d.findElement(By.cssSelector("#icd10-tree li[data-code='C50'] .add-code")).sendKeys(Keys.ENTER);
        Browsers.waitFor(d).until(x -> x.findElement(By.id("criteria-text")).getAttribute("value").equals("sex=F,age_band!=0-9,icd10=C50"));

        d.findElement(By.id("count")).sendKeys(Keys.ENTER);
        Browsers.waitFor(d).until(x -> x.findElement(By.id("results")).isDisplayed() && !x.findElement(By.id("total")).getText().isEmpty());
        List<WebElement> rows = d.findElements(By.cssSelector("#breakdown tbody tr"));
        assertThat(rows).extracting(r -> r.findElement(By.tagName("th")).getText()).containsExactly("Chuo Biobank", "Hokuto Biobank",
                "Nishi Biobank");
        for (WebElement row : rows) {
            assertThat(row.findElement(By.tagName("td")).getText()).matches("<10|[1-9][0-9]*0");
        }
        // the same criteria through the API: the same shown count (a set shown before is shown as it was)
        JsonNode api = JSON.readTree(svc.call(RESEARCHER_MORI, "POST", "/api/beacon/individuals",
                "{\"query\": {\"requestParameters\": {\"where\": \"sex=F,age_band!=0-9,icd10=C50\"}}}").body());
        assertThat(d.findElement(By.id("total")).getText()).isEqualTo(api.at("/info/total").asText());
        WebElement chart = d.findElement(By.id("chart"));
        assertThat(chart.getAttribute("aria-label")).startsWith("Participants per Biobank: Chuo Biobank");
        assertThat(chart.getSize().getWidth()).isPositive();
        assertThat(d.findElement(By.id("budget-used")).getText()).matches("[0-9]+ of 500 queries used");
        assertThat(d.findElement(By.id("discovery-lead")).getText()).startsWith("How many of the provider's participants")
                .contains("perturbed by up to 5").contains("counts under 10 are then shown as <10").doesNotContain("{");
        Browsers.screenshot(d, "discovery.png");

        // the count saved as a draft spec: a download, with the criteria as the cohort
        d.findElement(By.id("draft-id")).sendKeys("BC-2027", Keys.ENTER);
        Path draft = downloads.resolve("BC-2027.yaml");
        Browsers.waitFor(d).until(x -> Files.exists(draft));
        assertThat(Files.readString(draft)).contains("id: BC-2027\n", "cohort:\n  criteria: \"sex=F,age_band!=0-9,icd10=C50\"\n",
                "by mori.");

        // an error is said on the page, and nothing else changes
        text = d.findElement(By.id("criteria-text"));
        text.sendKeys(Keys.chord(Keys.CONTROL, "a"), "icd10=breast", Keys.ENTER);
        Browsers.waitFor(d).until(x -> x.findElement(By.id("discovery-error")).isDisplayed());
        assertThat(d.findElement(By.id("discovery-error")).getText())
                .isEqualTo("--where: icd10 cannot be 'breast' (expected an ICD-10 code, prefix or range such as C50, F03.1 or C00-D48)");

        // at phone width nothing scrolls sideways
        d.manage().window().setSize(new Dimension(420, 900));
        d.navigate().refresh();
        awaitChapters(d);
        assertThat((Boolean) ((JavascriptExecutor) d).executeScript(
                "return document.documentElement.scrollWidth <= window.innerWidth")).isTrue();
    }

    @Test
    void thePageSpeaksJapaneseAndIsForResearchersOnly() throws Exception {
        assumeTrue(Browsers.present(), "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        WebDriver d = browser("ja");
        login(d, RESEARCHER_MORI);
        assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("コホート検索");
        assertThat(d.findElement(By.id("count")).getText()).isEqualTo("件数を調べる");
        awaitChapters(d);
        assertThat(d.findElement(By.cssSelector("#icd10-tree li[data-code='C00-D48']")).getText()).contains("新生物＜腫瘍＞");
        assertThat(d.findElement(By.cssSelector("#groups select")).getText()).contains("診断（ICD-10）");
        Browsers.screenshot(d, "discovery-ja.png");
        // the switch in the header
        d.findElement(By.id("lang-en")).click();
        Browsers.waitFor(d).until(x -> x.findElement(By.tagName("h1")).getText().equals("Cohort discovery"));

        WebDriver sato = browser("en");
        login(sato, STEWARD_SATO);
        assertThat(sato.findElements(By.linkText("Cohort discovery"))).isEmpty();
        sato.get(svc.url("/discovery"));
        assertThat(sato.findElement(By.tagName("main")).getText()).contains("sato is not a registered researcher");
    }

    // ---- issue 19: the public data-use register and the data catalogue ------------------------

    @Test
    void theRegisterIsPublicInBothLanguagesAndWorksByKeyboardAndAtPhoneWidth() throws Exception {
        assumeTrue(Browsers.present(), "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        WebDriver d = browser("ja");
        // nobody signs in: the register is for patients and the public
        d.get(svc.url("/register"));
        Browsers.waitFor(d).until(x -> x.getCurrentUrl().endsWith("/register/register.ja.html"));
        assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("データ利用登録簿");
        WebElement demo1 = d.findElement(By.id("DEMO-1"));
        assertThat(demo1.getText()).contains(jp.nmi.enclave.demo.DemoSpecs.spec("DEMO-1").title(), "REC-2026-017", "保健・医療・生物医学研究",
                "2026-04-01 – 2029-03-31", "学術", "産業", "participants:", "実施中");
        assertThat(d.findElement(By.id("DEMO-2")).getText()).contains("特定疾患の研究 (MONDO:0001627)");
        // the style sheet is served under the service's content security policy
        assertThat(((JavascriptExecutor) d).executeScript("return getComputedStyle(document.querySelector('.project')).borderRadius"))
                .isEqualTo("8px");
        // the first Tab reaches the skip link, which goes to the projects
        d.findElement(By.tagName("body")).sendKeys(Keys.TAB);
        WebElement skip = d.switchTo().activeElement();
        assertThat(skip.getText()).isEqualTo("プロジェクト一覧へ移動");
        skip.sendKeys(Keys.ENTER);
        Browsers.waitFor(d).until(x -> x.getCurrentUrl().endsWith("#projects"));
        Browsers.screenshot(d, "register-ja.png");
        d.findElement(By.linkText("English")).click();
        Browsers.waitFor(d).until(x -> x.findElement(By.tagName("h1")).getText().equals("Data-use register"));
        assertThat(d.findElement(By.id("DEMO-1")).getText()).contains("health, medical or biomedical research", "not for commercial use",
                "academic", "industry");
        // at phone width nothing runs off the side
        d.manage().window().setSize(new Dimension(390, 900));
        assertThat(((JavascriptExecutor) d).executeScript("return document.documentElement.scrollWidth <= window.innerWidth")).isEqualTo(true);
        Browsers.screenshot(d, "register-en.png");
        d.manage().window().setSize(new Dimension(1280, 1400));
    }

    @Test
    void theCatalogueShowsTheRegistryToResearchersInBothLanguages() throws Exception {
        assumeTrue(Browsers.present(), "Debian's chromium and chromium-driver are not installed (infra/test.sh installs them)");
        jp.nmi.enclave.dataset.DatasetRegistry registry = new jp.nmi.enclave.dataset.DatasetRegistryStore(fx.storage).require();
        WebDriver d = browser("ja");
        login(d, RESEARCHER_MORI);
        d.findElement(By.linkText("データカタログ")).click();
        Browsers.waitFor(d).until(x -> x.findElement(By.tagName("h1")).getText().equals("データカタログ"));
        // every dataset of the registry, with exactly its columns and types
        for (jp.nmi.enclave.dataset.DatasetRegistry.Entry e : registry.datasets()) {
            WebElement section = d.findElement(By.id("dataset-" + e.name()));
            List<String> columns = section.findElements(By.cssSelector("tbody tr th code")).stream().map(WebElement::getText).toList();
            assertThat(columns).as(e.name()).containsExactlyElementsOf(e.columns().stream().map(jp.nmi.enclave.dataset.Column::name).toList());
            List<String> types = section.findElements(By.cssSelector("tbody tr td:nth-of-type(1)")).stream().map(WebElement::getText).toList();
            assertThat(types).as(e.name()).containsExactlyElementsOf(e.columns().stream()
                    .map(c -> c.type().name().toLowerCase(java.util.Locale.ROOT)).toList());
            jp.nmi.enclave.dataset.DataCatalogue.Bounds b = jp.nmi.enclave.dataset.DataCatalogue.Bounds.of(e.rowCount());
            // the count as bounds, never itself
            assertThat(section.getText()).contains(String.format(java.util.Locale.ROOT, "%,d 以上 %,d 未満", b.atLeast(), b.below()));
        }
        assertThat(d.findElement(By.id("dataset-diagnoses")).getText()).contains("ICD-10", "健康情報", "診断コード");
        assertThat(d.findElement(By.id("dataset-participants")).getText()).contains("準識別子", "DUO");
        Browsers.screenshot(d, "catalogue-ja.png");
        d.findElement(By.id("lang-en")).click();
        Browsers.waitFor(d).until(x -> x.findElement(By.tagName("h1")).getText().equals("Data catalogue"));
        assertThat(d.findElement(By.id("dataset-participants")).getText()).contains("quasi-identifier", "One row per participant");
        Browsers.screenshot(d, "catalogue-en.png");

        WebDriver sato = browser("en");
        login(sato, STEWARD_SATO);
        assertThat(sato.findElements(By.linkText("Data catalogue"))).isEmpty();
        sato.get(svc.url("/catalogue"));
        assertThat(sato.findElement(By.tagName("main")).getText()).contains("sato is not a registered researcher");
    }
}
