package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.gatehouse.server.accounts.Totp;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * The journey of issue 3 item 8 in Debian's headless Chromium with Selenium: the first admin's
 * setup link (password and TOTP), an invitation, the issuer's setup through it, a security key
 * added with Chrome's virtual authenticator, sign-out, sign-in with password and the key (not
 * TOTP), a token created and its file downloaded, an installation registering with that file
 * over HTTP (JDK HttpClient), seen on the token's page, revoked, and refused at its next token
 * request; then the token revoked with cascade, the key removed and the admin's pages. axe-core
 * checks every page visited (WCAG 2.x A and AA rules plus best practices) and the test fails on
 * any violation; screenshots go to target/screenshots/journey-*.png.
 *
 * <p>The issuer is http://localhost:&lt;port&gt;, since browsers refuse IP addresses as WebAuthn
 * RP ids. Skips without chromium, except under CI=true, where it fails.
 */
@Slow
class BrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String PASSWORD = "correct horse battery staple";
    private static final String ADMIN = "admin@example.org";
    private static final String ISSUER = "it@library.example.org";
    private static final String LABEL = "Library PCs, 2nd floor";

    private TestServer server;
    private ChromeDriver driver;
    private Path downloads;
    private Path profile;
    private final List<String> axeFindings = new ArrayList<>();
    /** The last TOTP step used per seed: the server refuses a code's step twice for an account. */
    private final Map<String, Long> lastStep = new HashMap<>();
    private int shot;

    @BeforeEach
    void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String why = "Debian's chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)";
            if ("true".equals(System.getenv("CI"))) throw new IllegalStateException("CI=true needs the browser tests: " + why);
            Assumptions.abort("skipping the browser tests: " + why);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = TestServer.start(Backend.H2, Map.of("GATEHOUSE_PORT", Integer.toString(port),
                "GATEHOUSE_ISSUER", "http://localhost:" + port));
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

    @Test
    void inviteSetPasswordAddSecurityKeySignInWithItDownloadTokenFileRegisterWatchAndRevoke() throws Exception {
        // 1. The first admin, from the link `serve` prints on an empty database: password and TOTP.
        String bootstrap = server.gatehouse().accounts.replaceFirstAdminLink(Actor.system(), "test").url();
        byte[] adminSeed = setUp(bootstrap, ADMIN, "admin-setup");
        click("main a.button");
        assertThat(el("h1").getText()).isEqualTo("Dashboard");
        check("admin-dashboard");

        // 2. The admin invites an issuer, then signs out.
        navigate("Accounts");
        type("#f-email", ISSUER);
        click("main form button[type=submit]");
        String invite = el("#invite-link").getText();
        assertThat(invite).startsWith(server.issuer + "/setup/ghl_");
        check("admin-accounts-invited");
        signOut();

        // 3. The issuer opens the invitation: a password, then TOTP (the portal requires a second factor).
        setUp(invite, null, "issuer-setup");
        click("main a.button");
        assertThat(el("h1").getText()).isEqualTo("Dashboard");
        check("issuer-dashboard");

        // 4. A security key on the Security keys page: Chrome's virtual authenticator (CTAP2 over USB, with a PIN).
        VirtualAuthenticator key = driver.addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2).setTransport(VirtualAuthenticatorOptions.Transport.USB)
                .setHasResidentKey(false).setHasUserVerification(true).setIsUserVerified(true).setIsUserConsenting(true));
        navigate("Security keys");
        assertThat(el("h1").getText()).isEqualTo("Security keys");
        assertThat(el("#add-key").isDisplayed()).as("the script shows the form").isTrue();
        assertThat(driver.findElements(By.id("rp-id-warning"))).as("localhost is a valid RP id").isEmpty();
        assertThat(driver.findElements(By.cssSelector("[data-webauthn-fallback]")).get(0).isDisplayed()).isFalse();
        check("issuer-keys-empty");
        type("#f-label", "Virtual YubiKey");
        click("#add-key button[type=submit]");
        assertThat(el("main").getText()).as(driver.getPageSource()).contains("Security key \"Virtual YubiKey\" added.");
        assertThat(el("#keys").getText()).contains("Virtual YubiKey");
        assertThat(key.getCredentials()).hasSize(1);
        check("issuer-key-added");

        // 5. Sign out; sign in with the password (by keyboard), then the security key, not TOTP.
        signOut();
        check("sign-in");
        type("#f-email", ISSUER);
        type("#f-password", PASSWORD);
        enter("#f-password");
        assertThat(driver.getCurrentUrl()).endsWith("/login/code");
        assertThat(el("#key-sign-in").isDisplayed()).isTrue();
        assertThat(el("#f-code").isDisplayed()).as("the code form stays as a fallback").isTrue();
        check("issuer-second-factor-with-key");
        long totpBefore = account(ISSUER).totpLastStep();
        click("#key-sign-in button[type=submit]");
        assertThat(el("h1").getText()).as(driver.getPageSource()).isEqualTo("Dashboard");
        assertThat(key.getCredentials().get(0).getSignCount()).as("the key signed").isGreaterThanOrEqualTo(1);
        assertThat(server.gatehouse().securityKeys.list(account(ISSUER).id()).get(0).lastUsedAt()).isNotNull();
        assertThat(account(ISSUER).totpLastStep()).as("no TOTP code was used").isEqualTo(totpBefore);

        // 6. Create a token (the form reports every problem at once) and download its file.
        navigate("My tokens");
        click("main a.button");
        assertThat(el("h1").getText()).isEqualTo("New token");
        check("new-token");
        type("#f-label", "");
        type("#f-days", "0");
        type("#f-cidrs", "10.0.0.0/33, not-a-range");
        click("main form button[type=submit]");
        assertThat(driver.findElements(By.cssSelector("#error-summary + ul li"))).hasSize(3);
        assertThat(el("#f-cidrs-error").getText()).contains("10.0.0.0/33").contains("not-a-range");
        check("new-token-errors");
        type("#f-label", LABEL);
        type("#f-days", "30");
        type("#f-cidrs", "");
        type("#f-max", "200");
        click("main form button[type=submit]");
        assertThat(el("h1").getText()).isEqualTo("Token: " + LABEL);
        assertThat(driver.getCurrentUrl()).as("POST-redirect-GET").matches(".*/tokens/iat_[A-Za-z0-9_-]+$");
        String tokenValue = el("#token-value").getText();
        check("token-created");
        el("#download").click();
        Map<String, Object> tokenFile = waitForDownload();
        assertThat(tokenFile).containsEntry("initial_access_token", tokenValue);
        // Reload: the token is not shown again and no second token is made.
        andWait(() -> driver.navigate().refresh());
        assertThat(el("h1").getText()).isEqualTo("Token: " + LABEL);
        assertThat(driver.findElements(By.id("token-value"))).as("shown once").isEmpty();
        assertThat(driver.getPageSource()).doesNotContain(tokenValue);
        assertThat(server.gatehouse().iats.list()).as("one token, however often the page is reloaded").hasSize(1);
        // A label of 200 characters without a space must not widen any page (check() measures it at 390 px).
        server.gatehouse().iats.create(new org.gatehouse.server.iat.IatService.Spec("L".repeat(200), 5, Duration.ofDays(3), "prefs:read",
                null, null, "replace", account(ISSUER).id()), Actor.system());
        assertThat(tokenFile).containsEntry("issuer", server.issuer).containsEntry("label", LABEL)
                .containsEntry("registration_endpoint", server.issuer + "/register");

        // 7. An installation registers with that file over HTTP, as the client library does.
        Installation inst = Installation.register(tokenFile, "Morphic", "2.0.1");
        assertThat(inst.token().status()).as(inst.token().body()).isEqualTo(200);
        assertThat(inst.token().str("access_token")).isNotBlank();

        // 8. It appears on the token's page, with its registration and token request in the pictures (issue 14) once
        // the counts are written (the periodic last-seen flush, done here at once).
        server.gatehouse().lastSeen.flush();
        navigate("My tokens");
        check("my-tokens");
        andWait(() -> driver.findElement(By.linkText(LABEL)).click());
        assertThat(el("main").getText()).contains(inst.installationId()).contains("Morphic").contains("2.0.1")
                .contains("1 of 200 registrations").contains("1 registration, all on ").contains("1 token request, all on ");
        check("token-page");

        // 9. Revoke the installation (after a confirmation page); its next token request fails.
        click("table a.button.danger");
        assertThat(el("h1").getText()).isEqualTo("Revoke installation?");
        check("confirm-revoke-installation");
        click("#confirm");
        assertThat(el(".notice").getText()).contains("revoked");
        assertThat(driver.findElements(By.cssSelector("table a.button.danger"))).as("nothing left to revoke").isEmpty();
        check("installation-revoked");
        Http.Response refused = inst.tokenRequest();
        assertThat(refused.status()).as(refused.body()).isEqualTo(401);
        assertThat(refused.str("error")).isEqualTo("invalid_client");

        // 10. Revoke the token and everything it admitted, with confirmation: the file no longer registers.
        andWait(() -> driver.findElement(By.partialLinkText("every installation it admitted")).click());
        check("confirm-revoke-all");
        click("#confirm");
        assertThat(el(".notice").getText()).contains("revoked");
        check("token-revoked");
        Http.Response again = Installation.registration(tokenFile, "Morphic", "2.0.1", Installation.newId());
        assertThat(again.status()).as(again.body()).isEqualTo(401);

        // 11. Remove the key: TOTP remains.
        navigate("Security keys");
        click("#keys a.button.danger");
        check("confirm-remove-key");
        click("#confirm");
        assertThat(el("#no-keys").getText()).contains("no security keys");
        check("issuer-key-removed");
        signOut();

        // 12. The admin's views, signed in again with password and TOTP; a third account, so that Accounts lists several.
        new PortalClient(server.issuer).completeSetup(server.gatehouse().accounts.adminLink("third@example.org", Actor.cli()).url(), null, PASSWORD);
        type("#f-email", ADMIN);
        type("#f-password", PASSWORD);
        enter("#f-password");
        assertThat(driver.getCurrentUrl()).endsWith("/login/code");
        check("admin-second-factor");
        type("#f-code", nextCode(adminSeed));
        enter("#f-code");
        assertThat(el("h1").getText()).as(driver.getPageSource()).isEqualTo("Dashboard");
        // The whole system's pictures (issue 14): the issuer's registration, its revoked installation, the token of a
        // 200-character label that expires in 3 days, linked; and four weeks of token requests of a busier system (as the
        // last-seen flush writes them: one row per hour for the whole system), to see 30 bars at 390 px.
        long hour = 3_600_000L;
        long thisHour = server.gatehouse().clock.millis() / hour * hour;
        server.gatehouse().db.withHandle(h -> {
            for (int d = 1; d < 28; d++) {
                if (d % 7 == 3 || d % 7 == 4) continue; // weekends are quiet
                h.execute("INSERT INTO token_requests_hourly (iat_id, hour_start, requests) VALUES ('*', ?, ?)",
                        thisHour - d * 24 * hour, 9_000 + (d * 3_731) % 7_000);
            }
            return null;
        });
        andWait(() -> driver.navigate().refresh());
        assertThat(el("main").getText()).contains("1 registration, all on ").contains("token requests from ").contains("the busiest day was")
                .contains("1 installation: 0 active, 0 stale, 0 flagged, 1 revoked.").contains("expires in 3 days");
        check("admin-dashboard-pictures");
        for (String[] page : new String[][] {{"Accounts", "admin-accounts"}, {"All tokens", "admin-tokens"},
                {"Installations", "admin-installations"}, {"Audit log", "admin-audit"}, {"Signing keys", "admin-keys"}}) {
            navigate(page[0]);
            check(page[1]);
        }
        assertThat(el("main").getText()).contains("active");
        // The audit log, filtered: the issuer's sign-ins, the last one with the security key.
        navigate("Audit log");
        type("#f-actor", "account:" + ISSUER);
        type("#f-action", "account.sign_in");
        click("form[role=search] button[type=submit]");
        assertThat(el("ol.events li").getText()).contains(ISSUER + " signed in");
        el("ol.events li summary").click(); // opens the details toggle in place (no navigation)
        assertThat(el("ol.events li details").getText()).contains("\"second_factor\":\"security_key\"").contains("\"user_verified\":true");
        check("admin-audit-issuer-sign-ins");
        assertThat(axeFindings).as("axe-core violations").isEmpty();
    }

    /** What an installation does with a token file: RFC 7591 registration, then client credentials. */
    private record Installation(String installationId, String tokenEndpoint, String clientId, String secret, Http.Response token) {
        private static final Http HTTP = new Http("");

        static String newId() {
            return org.gatehouse.server.crypto.Secrets.randomId(32);
        }

        static Http.Response registration(Map<String, Object> file, String name, String version, String installationId) {
            return HTTP.postJson((String) file.get("registration_endpoint"), (String) file.get("initial_access_token"),
                    "{\"client_name\":\"" + name + "\",\"software_version\":\"" + version + "\",\"installation_id\":\""
                            + installationId + "\"}");
        }

        static Installation register(Map<String, Object> file, String name, String version) {
            String id = newId();
            Http.Response reg = registration(file, name, version, id);
            assertThat(reg.status()).as(reg.body()).isEqualTo(201);
            Http.Response meta = HTTP.get(file.get("issuer") + "/.well-known/oauth-authorization-server");
            assertThat(meta.status()).as(meta.body()).isEqualTo(200);
            Installation i = new Installation(id, meta.str("token_endpoint"), reg.str("client_id"), reg.str("client_secret"), null);
            return new Installation(id, i.tokenEndpoint, i.clientId, i.secret, i.tokenRequest());
        }

        Http.Response tokenRequest() {
            return HTTP.postForm(tokenEndpoint, clientId, secret, Map.of("grant_type", "client_credentials"));
        }
    }

    // --- browser steps

    private WebElement el(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /**
     * Does something that loads a new page and waits until the new page has loaded. The old page is marked with a
     * window property, which a new document does not have. (Polling the old page's html element for staleness is racy:
     * mid-navigation ChromeDriver answers "Node with given id does not belong to the document" as an unknown error, not
     * as a stale element.) Errors while the page changes are retried; a page that never changes fails by timeout.
     */
    private void andWait(Runnable action) {
        ((JavascriptExecutor) driver).executeScript("window.gatehouseOldPage = true");
        action.run();
        new WebDriverWait(driver, Duration.ofSeconds(30)).ignoring(WebDriverException.class).until(d -> Boolean.TRUE.equals(
                ((JavascriptExecutor) d).executeScript(
                        "return window.gatehouseOldPage === undefined && document.readyState === 'complete'")));
    }

    private void click(String css) {
        andWait(() -> el(css).click());
    }

    private void enter(String css) {
        andWait(() -> el(css).sendKeys(Keys.ENTER));
    }

    /** Follows a link of the menu, as a person would. */
    private void navigate(String linkText) {
        andWait(() -> driver.findElement(By.tagName("header")).findElement(By.linkText(linkText)).click());
    }

    private void signOut() {
        click("header button[type=submit]");
        assertThat(driver.getCurrentUrl()).endsWith("/login");
    }

    private void type(String css, String text) {
        WebElement e = el(css);
        e.clear();
        e.sendKeys(text);
    }

    /** A screenshot (journey-NN-name.png) and axe-core on the current page; violations fail the test at its end. */
    private void check(String name) throws IOException {
        String file = String.format("journey-%02d-%s", ++shot, name);
        // The whole page at 1280 px, then at 390 px (a phone): there, nothing may make the page wider than the screen.
        for (int width : new int[] {390, 1280}) {
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, 1000));
            long height = ((Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollHeight")).longValue();
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, (int) Math.min(Math.max(height, 600), 5000)));
            long scrollWidth = ((Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth")).longValue();
            long clientWidth = ((Number) ((JavascriptExecutor) driver).executeScript("return document.documentElement.clientWidth")).longValue();
            if (scrollWidth > clientWidth) axeFindings.add(file + ": the page is " + scrollWidth + " px wide in a " + clientWidth + " px window");
            Path png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(png, SHOTS.resolve(file + "-" + width + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
        Results r = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"))
                .analyze(driver);
        assertThat(r.getErrorMessage()).as("axe-core error on " + file).isNull();
        assertThat(r.getPasses()).as("axe-core ran on " + file).isNotEmpty();
        for (Rule v : r.getViolations()) {
            axeFindings.add(file + ": " + v.getId() + " (" + v.getImpact() + ") " + v.getHelp() + " at "
                    + v.getNodes().stream().map(n -> String.valueOf(n.getTarget())).collect(Collectors.joining(", ")));
        }
    }

    private AccountRecord account(String email) {
        return server.gatehouse().accounts.list().stream().filter(a -> a.email().equals(email)).findFirst().orElseThrow();
    }

    /** A TOTP code for a step not used before with this seed (the server refuses a step twice); waits for the clock when needed. */
    private String nextCode(byte[] seed) {
        String k = Base64.getEncoder().encodeToString(seed);
        // Never the previous step here: a code of the current step or later stays valid for at least 30 s, however
        // slowly the browser types and submits it.
        long step = Math.max(Totp.step(System.currentTimeMillis()), lastStep.getOrDefault(k, 0L) + 1);
        while (step > Totp.step(System.currentTimeMillis()) + 1) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lastStep.put(k, step);
        return Totp.code(seed, step);
    }

    /** Completes a setup link in the browser: password, TOTP, recovery codes. Returns the TOTP seed. */
    private byte[] setUp(String url, String email, String prefix) throws IOException {
        driver.get(url);
        if (email != null) type("#f-email", email);
        check(prefix + "-password");
        type("#f-password", PASSWORD);
        type("#f-confirm", PASSWORD);
        click("form button[type=submit]");
        assertThat(driver.getCurrentUrl()).as(driver.getPageSource()).endsWith("/setup/second-factor");
        check(prefix + "-totp");
        byte[] seed = Totp.fromBase32(el("#totp-key").getText());
        type("#f-code", nextCode(seed));
        click("main form button[type=submit]");
        assertThat(el("h1").getText()).isEqualTo("Account ready");
        assertThat(driver.findElements(By.cssSelector("#recovery-codes li"))).hasSize(10);
        check(prefix + "-recovery-codes");
        return seed;
    }

    /** The downloaded token file, once Chrome has finished writing it (no partial download left, content parses). */
    private Map<String, Object> waitForDownload() throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<Path> files;
            try (var list = Files.list(downloads)) {
                files = list.toList();
            }
            boolean partial = files.stream().anyMatch(p -> p.toString().endsWith(".crdownload"));
            List<Path> done = files.stream().filter(p -> p.toString().endsWith(".json")).toList();
            if (!partial && !done.isEmpty() && Files.size(done.get(0)) > 0) {
                try {
                    return Json.parseObject(Files.readString(done.get(0)));
                } catch (Json.JsonException e) {
                    // still being written
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the token file was not downloaded into " + downloads);
    }
}
