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
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.gatehouse.server.accounts.Totp;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * Security keys in Debian's headless Chromium with Chrome's virtual authenticator (CTAP2, USB):
 * add a key on the security-keys page, sign out, sign in with password and the key. The issuer is
 * http://localhost (browsers refuse IP addresses as RP ids). axe-core checks the key pages;
 * screenshots go to target/screenshots. Skips without chromium, except under CI=true.
 */
class WebAuthnBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String PASSWORD = "correct horse battery staple";

    private TestServer server;
    private ChromeDriver driver;
    private Path profile;
    private final List<String> axeFindings = new ArrayList<>();

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
        profile = Files.createTempDirectory("gatehouse-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + profile);
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
        if (profile != null) {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // best effort
            }
        }
    }

    private WebElement el(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    private void andWait(Runnable action) {
        WebElement html = driver.findElement(By.tagName("html"));
        action.run();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(ExpectedConditions.stalenessOf(html));
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "complete".equals(
                ((JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    private void click(String css) {
        andWait(() -> el(css).click());
    }

    private void type(String css, String text) {
        WebElement e = el(css);
        e.clear();
        e.sendKeys(text);
    }

    private void check(String name) throws IOException {
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        Results r = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"))
                .analyze(driver);
        assertThat(r.getErrorMessage()).as("axe-core error on " + name).isNull();
        for (Rule v : r.getViolations()) {
            axeFindings.add(name + ": " + v.getId() + " (" + v.getImpact() + ") " + v.getHelp() + " at "
                    + v.getNodes().stream().map(n -> String.valueOf(n.getTarget())).collect(Collectors.joining(", ")));
        }
    }

    @Test
    void addAVirtualSecurityKeyAndSignInWithIt() throws Exception {
        // The first admin, with password and TOTP.
        driver.get(server.gatehouse().accounts.bootstrapIfEmpty(Actor.system()).orElseThrow().url());
        type("#f-email", "admin@example.org");
        type("#f-password", PASSWORD);
        type("#f-confirm", PASSWORD);
        click("form button[type=submit]");
        byte[] seed = Totp.fromBase32(el("#totp-key").getText());
        type("#f-code", Totp.code(seed, Totp.step(System.currentTimeMillis())));
        click("main form button[type=submit]");
        assertThat(el("h1").getText()).isEqualTo("Account ready");

        // Chrome's virtual authenticator: a USB CTAP2 key with a PIN (user verification).
        VirtualAuthenticator key = driver.addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2).setTransport(VirtualAuthenticatorOptions.Transport.USB)
                .setHasResidentKey(false).setHasUserVerification(true).setIsUserVerified(true).setIsUserConsenting(true));

        driver.get(server.issuer + "/account/keys");
        assertThat(el("h1").getText()).isEqualTo("Security keys");
        assertThat(el("#add-key").isDisplayed()).as("the script shows the form").isTrue();
        assertThat(driver.findElements(By.id("rp-id-warning"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("[data-webauthn-fallback]")).get(0).isDisplayed()).isFalse();
        check("webauthn-1-keys-empty");
        type("#f-label", "Virtual YubiKey");
        click("#add-key button[type=submit]");
        assertThat(driver.getPageSource()).as(driver.getPageSource()).contains("Security key \"Virtual YubiKey\" added.");
        assertThat(el("#keys").getText()).contains("Virtual YubiKey");
        assertThat(key.getCredentials()).hasSize(1);
        check("webauthn-2-key-added");

        // Sign out; sign in with the password, then the key.
        click("header button[type=submit]");
        type("#f-email", "admin@example.org");
        type("#f-password", PASSWORD);
        click("main form button[type=submit]");
        assertThat(driver.getCurrentUrl()).endsWith("/login/code");
        assertThat(el("#key-sign-in").isDisplayed()).isTrue();
        assertThat(el("#f-code").isDisplayed()).as("the code fallback is still there").isTrue();
        check("webauthn-3-second-factor-with-key");
        click("#key-sign-in button[type=submit]");
        assertThat(el("h1").getText()).as(driver.getPageSource()).isEqualTo("Dashboard");
        assertThat(key.getCredentials().get(0).getSignCount()).isGreaterThanOrEqualTo(1);
        assertThat(server.gatehouse().securityKeys.list(server.gatehouse().accounts.list().get(0).id()).get(0).lastUsedAt()).isNotNull();

        // Remove it: the page has no key left.
        driver.get(server.issuer + "/account/keys");
        click("#keys button[type=submit]");
        assertThat(el("#no-keys").getText()).contains("no security keys");
        check("webauthn-4-key-removed");
        assertThat(axeFindings).as("axe-core violations").isEmpty();
    }
}
