package org.gatehouse.server.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.server.json.Json;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.BoundedProcess;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Docs that run as printed (issue 19 item 4): every shell block of a guide runs, in order, in one
 * bash session against a real server, and its printed output is compared with what it printed.
 *
 * <p>The convention, for whoever edits the docs:
 * <ul>
 * <li>A fenced block marked {@code sh}, {@code bash} or {@code shell} is run (indented ones too);
 *     other languages ({@code json}, {@code powershell}, {@code java}, …) are not.</li>
 * <li>A block whose first line is a shebang ({@code #!/bin/sh}) is a script to ship (postinst, …),
 *     not commands to type: it is not run.</li>
 * <li>{@code <!-- doc-test: skip REASON -->} on the line before a block skips it (e.g. macOS only).</li>
 * <li>{@code <!-- doc-test: file NAME -->} before a block (any language) writes it to NAME in the
 *     session's directory instead of running it (e.g. a Python script the next block runs).</li>
 * <li>{@code <!-- doc-test: exact -->} before an output block: the block must print exactly that.</li>
 * <li>{@code <!-- doc-test: requires COMMAND -->} before a block runs it only when COMMAND succeeds (e.g.
 *     {@code python3 -c 'import jwt'}); otherwise it is skipped with a message, and under {@code CI=true}
 *     (where .ci/run installs what the docs need) the test fails instead.</li>
 * <li>A block fails when its last command fails (bash, {@code set -o pipefail}).</li>
 * <li>An unmarked or {@code json} block right after a run block is its expected output. When it is JSON
 *     (an object, or one per line), the actual output must be JSON with every key it shows, and
 *     equal values for the key fields ({@value #KEY_FIELDS}); a line that is a bare HTTP status
 *     code must be printed as it is. Other output is for the reader only.</li>
 * <li>Variables carry from block to block; the session starts in an empty directory holding a
 *     {@code ./gatehouse} that runs the CLI against the test's server (so {@code ./gatehouse iat create …}
 *     works as printed), with {@code curl}, {@code jq}, {@code openssl} and {@code python3} needed on PATH.
 *     {@code /usr/bin} comes first on PATH, so {@code python3} is the system's, with Debian's packages.
 *     The server reads resource servers and clients on every request ({@code GATEHOUSE_CLIENT_CACHE_TTL=0}),
 *     so what a CLI block creates is seen by the next block at once.</li>
 * </ul>
 */
@Slow
class DocsRunTest {
    static final String KEY_FIELDS = "error, token_type, scope, active, token_endpoint_auth_method, expires_in";
    private static final Set<String> KEYS = Set.of(KEY_FIELDS.split(", "));
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*([A-Za-z]*)\\s*$");
    private static final Pattern SKIP = Pattern.compile("<!--\\s*doc-test:\\s*skip\\b.*-->");
    private static final Pattern FILE = Pattern.compile("<!--\\s*doc-test:\\s*file\\s+([\\w.-]+)\\s*-->");
    private static final Pattern EXACT = Pattern.compile("<!--\\s*doc-test:\\s*exact\\s*-->");
    private static final Pattern REQUIRES = Pattern.compile("<!--\\s*doc-test:\\s*requires\\s+(.+?)\\s*-->");

    @TempDir
    Path dir;

    /** A fenced block; {@code file} and {@code requires} from its annotation, or null. */
    record Block(int line, String lang, String text, boolean skip, String file, String requires, boolean exact) {
    }

    record Step(Block run, Block output) {
    }

    static List<Block> blocks(List<String> lines) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = FENCE.matcher(lines.get(i));
            if (!m.matches()) continue;
            String indent = m.group(1);
            String before = i > 0 ? lines.get(i - 1) : "";
            boolean skip = SKIP.matcher(before).find();
            Matcher file = FILE.matcher(before);
            Matcher requires = REQUIRES.matcher(before);
            StringBuilder text = new StringBuilder();
            int start = i + 1;
            for (i = start; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                String l = lines.get(i);
                text.append(l.startsWith(indent) ? l.substring(indent.length()) : l.stripLeading()).append('\n');
            }
            out.add(new Block(start, m.group(2).toLowerCase(), text.toString(), skip, file.find() ? file.group(1) : null,
                    requires.find() ? requires.group(1) : null, EXACT.matcher(before).find()));
        }
        return out;
    }

    static List<Step> steps(List<Block> blocks) {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            if (b.file() != null) {
                out.add(new Step(b, null));
                continue;
            }
            if (!Set.of("sh", "bash", "shell").contains(b.lang()) || b.skip() || b.text().startsWith("#!")) continue;
            Block next = i + 1 < blocks.size() ? blocks.get(i + 1) : null;
            boolean isOutput = next != null && Set.of("", "json").contains(next.lang()) && next.file() == null
                    && next.line() - b.line() - b.text().lines().count() <= 3;
            out.add(new Step(b, isOutput ? next : null));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"protocol.md", "installers.md"})
    void everyShellBlockRunsAsPrinted(String guide) throws Exception {
        Path doc = Path.of(System.getProperty("user.dir")).getParent().resolve("docs").resolve(guide);
        List<Step> steps = steps(blocks(Files.readAllLines(doc)));
        assertThat(steps).as("shell blocks in " + guide).isNotEmpty();
        boolean ci = "true".equals(System.getenv("CI"));
        for (String tool : List.of("bash", "curl", "jq", "openssl", "python3")) {
            boolean present = new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
            if (!ci) org.junit.jupiter.api.Assumptions.assumeTrue(present, "DocsRunTest skipped: " + tool + " is not on PATH (under CI=true this fails)");
            assertThat(present).as(tool + " on PATH (the docs' shell blocks need it)").isTrue();
        }
        try (TestServer s = TestServer.start(Backend.H2, Map.of("GATEHOUSE_CLIENT_CACHE_TTL", "0"))) {
            Map<String, String> env = new HashMap<>(s.backend.env());
            env.put("GATEHOUSE_ISSUER", s.issuer);
            env.put("GATEHOUSE_CONFIG", "/dev/null");
            Path cli = dir.resolve("gatehouse");
            Files.writeString(cli, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java") + "' -cp '"
                    + System.getProperty("java.class.path") + "' org.gatehouse.server.Main \"$@\"\n");
            cli.toFile().setExecutable(true);
            // The Node recipes import from the packages .ci/run installs in interop/node (npm ci).
            Path nodeModules = doc.getParent().getParent().resolve("interop/node/node_modules");
            if (Files.isDirectory(nodeModules)) Files.createSymbolicLink(dir.resolve("node_modules"), nodeModules);
            StringBuilder script = new StringBuilder("set -o pipefail\n");
            for (int i = 0; i < steps.size(); i++) {
                Block b = steps.get(i).run();
                if (b.file() != null) {
                    Files.writeString(dir.resolve(b.file()), b.text());
                    script.append("echo 0 > .rc").append(i).append('\n');
                    continue;
                }
                Files.writeString(dir.resolve(".block" + i + ".sh"), b.text());
                String run = ". ./.block" + i + ".sh > .out" + i + " 2> .err" + i + "; echo $? > .rc" + i;
                if (b.requires() != null) {
                    Files.writeString(dir.resolve(".requires" + i + ".sh"), b.requires() + "\n");
                    run = "if bash ./.requires" + i + ".sh > /dev/null 2>&1; then " + run + "; else echo missing > .rc" + i + "; fi";
                }
                script.append(run).append('\n');
            }
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.toString()).directory(dir.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
            pb.environment().putAll(env);
            // The system's python3 (Debian's packages, as .ci/run installs them) before any other on PATH.
            pb.environment().put("PATH", "/usr/bin:/bin:" + pb.environment().getOrDefault("PATH", ""));
            // One deadline for the whole session (a pipe read would wait for every child that keeps it open).
            BoundedProcess.Result run = BoundedProcess.run(pb, dir.resolve(".session"), Duration.ofMinutes(10));
            String session = run.output();
            assertThat(run.finished()).as("the blocks of " + guide + " finish within 10 minutes; killed, output so far:\n" + session).isTrue();

            List<String> failures = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                Step st = steps.get(i);
                String where = guide + ":" + st.run().line();
                Path rc = dir.resolve(".rc" + i);
                if (!Files.exists(rc)) {
                    failures.add(where + ": never ran (an earlier block ended the session: " + session + ")");
                    break;
                }
                String out = read(dir.resolve(".out" + i));
                String err = read(dir.resolve(".err" + i));
                if (read(rc).strip().equals("missing")) {
                    String msg = where + ": skipped, '" + st.run().requires() + "' failed (a runtime the block needs is missing)";
                    if (ci) failures.add(msg + "; under CI=true .ci/run must install it");
                    else System.out.println("DocsRunTest: " + msg);
                    continue;
                }
                if (!read(rc).strip().equals("0")) {
                    failures.add(where + ": exit " + read(rc).strip() + "\n  stdout: " + out + "\n  stderr: " + err);
                    continue;
                }
                if (st.output() != null) {
                    String problem = st.output().exact()
                            ? (out.strip().equals(st.output().text().strip()) ? null : "printed differs from the documented output")
                            : compare(st.output().text(), out);
                    if (problem != null) failures.add(where + ": " + problem + "\n  printed: " + out + "\n  stderr: " + err);
                }
            }
            assertThat(failures).as("blocks of docs/" + guide + " that do not run as printed").isEmpty();
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** Null when the actual output matches the documented one as far as this test compares (see the class comment). */
    static String compare(String documented, String actual) {
        List<Object> expected = jsonValues(documented);
        if (expected != null) {
            List<Object> got = jsonValues(actual);
            if (got == null || got.size() != expected.size()) return "expected " + expected.size() + " JSON value(s) as documented";
            for (int i = 0; i < expected.size(); i++) {
                if (!(expected.get(i) instanceof Map<?, ?> e)) continue;
                if (!(got.get(i) instanceof Map<?, ?> g)) return "expected a JSON object";
                for (Map.Entry<?, ?> f : e.entrySet()) {
                    if (!g.containsKey(f.getKey())) return "missing field " + f.getKey();
                    if (KEYS.contains(f.getKey()) && !String.valueOf(f.getValue()).equals(String.valueOf(g.get(f.getKey())))) {
                        return f.getKey() + " is " + g.get(f.getKey()) + ", documented " + f.getValue();
                    }
                }
            }
            return null;
        }
        List<String> codes = documented.lines().filter(l -> l.strip().matches("[1-5][0-9][0-9]")).map(String::strip).toList();
        List<String> printed = actual.lines().filter(l -> l.strip().matches("[1-5][0-9][0-9]")).map(String::strip).toList();
        return codes.isEmpty() || codes.equals(printed) ? null : "status codes " + printed + ", documented " + codes;
    }

    /** The JSON values of a text: one document, or one per line; null when it is not JSON. */
    private static List<Object> jsonValues(String text) {
        String t = text.strip();
        if (!t.startsWith("{") && !t.startsWith("[")) return null;
        try {
            return List.of(parse(t.replace("…", "")));
        } catch (Json.JsonException | RuntimeException whole) {
            List<Object> out = new ArrayList<>();
            for (String line : t.lines().filter(l -> !l.isBlank()).toList()) {
                try {
                    out.add(parse(line.replace("…", "")));
                } catch (Json.JsonException | RuntimeException e) {
                    return null;
                }
            }
            return out;
        }
    }

    private static Object parse(String json) throws Json.JsonException {
        return Json.parseObject("{\"v\":" + json + "}").get("v");
    }
}
