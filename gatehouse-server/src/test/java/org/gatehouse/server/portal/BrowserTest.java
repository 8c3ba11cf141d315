package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.gatehouse.server.accounts.Totp;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The whole portal in Debian's headless Chromium: the first admin's setup link, password and TOTP,
 * an invitation, the issuer's setup, a token, its file downloaded, an installation registered with
 * it over HTTP, seen on the token's page, then revoked with cascade. axe-core checks every page
 * (WCAG 2.x A and AA rules); screenshots go to target/screenshots. Skips without chromium, except
 * under CI=true, where it fails.
 */
class BrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "screenshots");

    private TestServer server;
    private WebDriver driver;
    private Path downloads;
    private Path profile;
    private final List<String> axeFindings = new ArrayList<>();
    private long lastStep;

    @BeforeEach
    void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String why = "Debian's chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)";
            if ("true".equals(System.getenv("CI"))) throw new IllegalStateException("CI=true needs the browser tests: " + why);
            Assumptions.abort("skipping the browser tests: " + why);
        }
        server = TestServer.start(Backend.H2, Map.of());
        downloads = Files.createTempDirectory("gatehouse-downloads-");
        profile = Files.createTempDirectory("gatehouse-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + profile);
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        options.setExperimentalOption("prefs", prefs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void stop() {
        if (driver != null) driver.quit();
        if (server != null) server.close();
        for (Path p : new Path[] {downloads, profile}) {
            if (p == null) continue;
            try (var walk = Files.walk(p)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // best effort
            }
        }
    }

    private void go(String path) {
        driver.get(server.issuer + path);
    }

    private WebElement el(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /** Clicks (or presses Enter on) an element and waits until the next page has replaced this one. */
    private void andWait(Runnable action) {
        WebElement html = driver.findElement(By.tagName("html"));
        action.run();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.stalenessOf(html));
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "complete".equals(
                ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    private void click(String css) {
        andWait(() -> el(css).click());
    }

    private void enter(String css) {
        andWait(() -> el(css).sendKeys(Keys.ENTER));
    }

    private void type(String css, String text) {
        WebElement e = el(css);
        e.clear();
        e.sendKeys(text);
    }

    /** axe-core on the current page; findings are collected and asserted at the end of the test. */
    private void check(String name) throws IOException {
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        Results r = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"))
                .analyze(driver);
        assertThat(r.getPasses()).as("axe-core ran on " + name).isNotEmpty();
        assertThat(r.getErrorMessage()).as("axe-core error on " + name).isNull();
        for (Rule v : r.getViolations()) {
            axeFindings.add(name + ": " + v.getId() + " (" + v.getImpact() + ") " + v.getHelp() + " at "
                    + v.getNodes().stream().map(n -> String.valueOf(n.getTarget())).collect(Collectors.joining(", ")));
        }
    }

    private String nextCode(byte[] seed) {
        long step = Math.max(Totp.step(System.currentTimeMillis()) - 1, lastStep + 1);
        while (step > Totp.step(System.currentTimeMillis()) + 1) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lastStep = step;
        return Totp.code(seed, step);
    }

    /** Completes a setup link in the browser; returns the TOTP seed. */
    private byte[] setUp(String url, String email, String password, String shotPrefix) throws IOException {
        driver.get(url);
        if (!driver.findElements(By.id("f-email")).isEmpty()) type("#f-email", email);
        check(shotPrefix + "-1-password");
        type("#f-password", password);
        type("#f-confirm", password);
        click("form button[type=submit]");
        assertThat(driver.getCurrentUrl()).as(driver.getPageSource()).endsWith("/setup/second-factor");
        check(shotPrefix + "-2-second-factor");
        byte[] seed = Totp.fromBase32(el("#totp-key").getText());
        lastStep = 0;
        type("#f-code", nextCode(seed));
        click("main form button[type=submit]");
        assertThat(el("h1").getText()).isEqualTo("Account ready");
        assertThat(driver.findElements(By.cssSelector("#recovery-codes li"))).hasSize(10);
        check(shotPrefix + "-3-recovery-codes");
        return seed;
    }

    @Test
    void bootstrapInviteSignUpCreateDownloadRegisterWatchAndRevoke() throws Exception {
        String password = "correct horse battery staple";
        // 1. The first admin, from the link `serve` prints on an empty database.
        String bootstrap = server.gatehouse().accounts.bootstrapIfEmpty(Actor.system()).orElseThrow().url();
        byte[] adminSeed = setUp(bootstrap, "admin@example.org", password, "01-admin-setup");

        // 2. Sign out and back in with password and TOTP, by keyboard.
        click("header button[type=submit]");
        assertThat(driver.getCurrentUrl()).endsWith("/login");
        check("02-sign-in");
        type("#f-email", "admin@example.org");
        type("#f-password", password);
        enter("#f-password");
        assertThat(driver.getCurrentUrl()).endsWith("/login/code");
        check("03-second-factor");
        type("#f-code", nextCode(adminSeed));
        enter("#f-code");
        assertThat(el("h1").getText()).isEqualTo("Dashboard");
        check("04-admin-dashboard");

        // 3. Invite an issuer.
        go("/admin/accounts");
        type("#f-email", "it@library.example.org");
        click("main form button[type=submit]");
        String invite = el("#invite-link").getText();
        assertThat(invite).startsWith(server.issuer + "/setup/ghl_");
        check("05-admin-accounts-invited");
        click("header button[type=submit]");

        // 4. The issuer signs up through the link.
        setUp(invite, null, password, "06-issuer-setup");
        click("main a.button");
        assertThat(el("h1").getText()).isEqualTo("Dashboard");
        check("07-issuer-dashboard");

        // 5. Create a token and download its file.
        go("/tokens/new");
        check("08-new-token");
        type("#f-label", "Library PCs, 2nd floor");
        type("#f-max", "200");
        click("main form button[type=submit]");
        assertThat(el("h1").getText()).isEqualTo("Token created");
        check("09-token-created");
        el("#download").click();
        Path file = waitForDownload();
        Map<String, Object> tokenFile = Json.parseObject(Files.readString(file));
        assertThat(tokenFile).containsEntry("issuer", server.issuer).containsEntry("label", "Library PCs, 2nd floor");
        String iat = (String) tokenFile.get("initial_access_token");

        // 6. An installation registers with the file over the OAuth endpoints.
        String machine = Flow.installationId();
        Flow.Client client = Flow.register(server, iat,
                "{\"client_name\":\"Morphic\",\"software_version\":\"2.0.1\",\"installation_id\":\"" + machine + "\"}");
        Flow.token(server, client);

        // 7. It appears on the token's page.
        go("/tokens");
        check("10-my-tokens");
        andWait(() -> driver.findElement(By.linkText("Library PCs, 2nd floor")).click());
        assertThat(el("main").getText()).contains(machine).contains("Morphic").contains("2.0.1").contains("1 of 200 registrations");
        check("11-token-page");

        // 8. Revoke the token and every installation, with confirmation.
        andWait(() -> driver.findElement(By.partialLinkText("every installation it admitted")).click());
        check("12-confirm-revoke-all");
        click("#confirm-revoke-all");
        assertThat(el("main").getText()).contains("revoked");
        check("13-token-revoked");
        Http.Response after = server.http.postForm("/token", client.id(), client.secret(), Map.of("grant_type", "client_credentials"));
        assertThat(after.status()).isEqualTo(401);

        // 9. The admin's views (signed in again as admin).
        click("header button[type=submit]");
        type("#f-email", "admin@example.org");
        type("#f-password", password);
        enter("#f-password");
        type("#f-code", nextCode(adminSeed));
        enter("#f-code");
        for (String[] page : new String[][] {{"/admin/accounts", "14-admin-accounts"}, {"/admin/tokens", "15-admin-tokens"},
                {"/admin/installations", "16-admin-installations"}, {"/admin/audit", "17-admin-audit"}, {"/admin/keys", "18-admin-keys"}}) {
            go(page[0]);
            check(page[1]);
        }
        assertThat(el("main").getText()).contains("active");
        assertThat(axeFindings).as("axe-core violations").isEmpty();
    }

    private Path waitForDownload() throws Exception {
        for (int i = 0; i < 100; i++) {
            try (var list = Files.list(downloads)) {
                List<Path> done = list.filter(p -> p.toString().endsWith(".json")).toList();
                if (!done.isEmpty()) return done.get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the token file was not downloaded into " + downloads);
    }
}
