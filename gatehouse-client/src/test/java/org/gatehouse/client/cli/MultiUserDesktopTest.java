package org.gatehouse.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.iat.TokenFile;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 6, the deb recipe of docs/installers.md ("Several users on one machine") with two
 * real OS users: the token file is root:GROUP 0640, each user of the app runs {@code gatehouse-enrol
 * enrol} on first start into the per-user default store, both keep getting tokens, neither can read
 * the other's store, and a user outside the group cannot read the token file. The users are the
 * system accounts daemon (uid 1) and nobody (65534) and the group a bare number given with setpriv,
 * so nothing in /etc/passwd or /etc/group changes. Needs root and util-linux's setpriv; skipped otherwise.
 */
class MultiUserDesktopTest {
    private static final int GROUP = 47213; // the app's group (a number only: setpriv needs no /etc/group entry)
    private static final String[][] USERS = {{"daemon", "1"}, {"nobody", "65534"}};

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    @Test
    void twoOsUsersEnrolPerUserWithTheGroupReadableTokenFileAndNeitherReadsTheOther() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && Files.isExecutable(Path.of("/usr/bin/setpriv"))
                && "root".equals(System.getProperty("user.name")), "needs Linux, root and setpriv");
        TestServer s = TestServer.shared(Backend.H2);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));

        // what the package installs: the command (here: classes and picocli, readable by all) and the token file root:GROUP 0640
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.contains("picocli")) cp.add(Files.copy(Path.of(entry), lib.resolve("picocli.jar")).toString());
        }
        // a copy of the classes: the checkout itself may sit below a directory other users cannot enter (mktemp -d is 0700)
        sh("cp", "-R", Path.of("target", "classes").toAbsolutePath().toString(), lib.resolve("classes").toString());
        cp.add(lib.resolve("classes").toString());
        sh("chmod", "-R", "a+rX", lib.toString());
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Path tokenFile = etc.resolve("gatehouse-token.json");
        IatService.Created iat = s.iat(2, null);
        TokenFile.write(tokenFile, TokenFile.content(iat, s.issuer));
        sh("chgrp", Integer.toString(GROUP), tokenFile.toString());
        sh("chmod", "0640", tokenFile.toString());
        Path machineId = etc.resolve("machine-id"); // one machine id for both users, as /etc/machine-id
        Files.writeString(machineId, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(machineId, PosixFilePermissions.fromString("r--r--r--"));

        // each user's first start: enrol into the per-user default store (no --store), then a token
        for (String[] u : USERS) {
            Path home = Files.createDirectories(tmp.resolve("home").resolve(u[0]));
            sh("chown", u[1] + ":" + u[1], home.toString());
            sh("chmod", "0700", home.toString());
            Run enrol = asUser(u, cp, home, true, "enrol", "--token-file", tokenFile.toString(), "--software-id", "org.example.myapp",
                    "--machine-id-file", machineId.toString(), "--json");
            assertThat(enrol.code()).as(u[0] + ": " + enrol.out() + enrol.err()).isZero();
            assertThat(Json.parseObject(enrol.out())).containsEntry("status", "enrolled").containsEntry("per_user", true);
        }
        // both keep working: the second enrolment did not replace the first
        List<String> installationIds = new ArrayList<>();
        for (String[] u : USERS) {
            Path home = tmp.resolve("home").resolve(u[0]);
            Run token = asUser(u, cp, home, true, "token", "--machine-id-file", machineId.toString());
            assertThat(token.code()).as(u[0] + ": " + token.err()).isZero();
            assertThat(token.out()).startsWith("ey");
            Path creds = home.resolve(".config/gatehouse/credentials.json");
            assertThat(Files.getPosixFilePermissions(creds)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getAttribute(creds, "unix:uid")).isEqualTo(Integer.parseInt(u[1]));
            installationIds.add((String) Json.parseObject(Files.readString(creds)).get("installation_id"));
        }
        assertThat(installationIds.get(0)).isNotEqualTo(installationIds.get(1));
        for (String id : installationIds) assertThat(s.gatehouse().installations.find(id).get(0).activeClients()).isEqualTo(1);

        // neither user can read the other's credentials; a user outside the group cannot read the token file
        Run peek = asUser(USERS[1], List.of(), tmp.resolve("home").resolve(USERS[1][0]), true,
                "/bin/cat", tmp.resolve("home/daemon/.config/gatehouse/credentials.json").toString());
        assertThat(peek.code()).isNotZero();
        assertThat(peek.err()).contains("Permission denied");
        Run outsider = asUser(USERS[1], List.of(), tmp.resolve("home").resolve(USERS[1][0]), false, "/bin/cat", tokenFile.toString());
        assertThat(outsider.code()).isNotZero();
        assertThat(outsider.err()).contains("Permission denied");
    }

    /** Runs gatehouse-enrol (or, with an empty class path, a plain command) as the user, in the app's group or not. */
    private static Run asUser(String[] user, List<String> cp, Path home, boolean inGroup, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + user[1], "--regid=" + user[1],
                inGroup ? "--groups=" + GROUP : "--clear-groups", "--", "/usr/bin/env", "-i", "HOME=" + home,
                "XDG_CONFIG_HOME=" + home.resolve(".config"), "PATH=/usr/bin:/bin"));
        if (!cp.isEmpty()) {
            cmd.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Duser.home=" + home,
                    "-cp", String.join(java.io.File.pathSeparator, cp), Main.class.getName()));
        }
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static void sh(String... cmd) throws Exception {
        Run r = run(List.of(cmd));
        if (r.code() != 0) throw new IOException(String.join(" ", cmd) + ": " + r.err());
    }

    private static Run run(List<String> cmd) throws Exception {
        Path out = Files.createTempFile("mu-out", ".txt");
        Path err = Files.createTempFile("mu-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.MINUTES)) { // a failure bound only
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + cmd);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(), Files.readString(err, StandardCharsets.UTF_8).strip());
        } finally {
            for (Path f : Stream.of(out, err).toList()) Files.deleteIfExists(f);
        }
    }
}
