package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 Must 5: a node keeps client records for minutes and learns of other nodes' changes only from
 * client_changes, so every store method that writes what a client record holds must record a change in its
 * transaction. This test lists every method of store/ whose SQL writes the tables a record is read from
 * (clients, initial_access_tokens, installations) and fails on one it does not know: a new one must be added
 * below, either as recording a change or with the reason it need not.
 */
class ClientChangeCoverageTest {
    private static final Path STORE = Path.of("src/main/java/org/gatehouse/server/store");
    private static final Pattern WRITE = Pattern.compile("(?i)\\b(UPDATE|INSERT INTO|DELETE FROM|MERGE INTO)\\s+(clients|initial_access_tokens|installations)\\b");
    private static final Pattern METHOD = Pattern.compile("\\n    (?:(?:public|private|protected|static|final|synchronized) )*[\\w<>\\[\\], .?]+ (\\w+)\\([^;{]*\\)[^;{]*\\{");

    /** Methods that record a change (ClientChangeStore, or ClientStore.changed which calls it). */
    private static final java.util.Set<String> RECORDS = java.util.Set.of(
            "ClientStore.updateRegistration", "ClientStore.rememberPrevious", "ClientStore.markDeleted", "ClientStore.revoke",
            "IatStore.updateScope", "IatStore.revoke",
            "ResourceStore.setAudience", "ResourceStore.setTokenResources");

    /** Methods that need not, and why. */
    private static final Map<String, String> EXEMPT = Map.ofEntries(
            Map.entry("ClientStore.insert", "a new client: no node holds it (an unknown id's 'not found' lives for the ttl only)"),
            Map.entry("ClientStore.markPreviousReported", "previous_reported_at is not in the client record"),
            Map.entry("ResourceStore.releaseAudience", "active_audience is not in the client record (audience is)"),
            Map.entry("IatStore.insert", "a new token: no client joins it yet"),
            Map.entry("IatStore.consumeOne", "registrations is not joined into the client record"),
            Map.entry("InstallationStore.insert", "installations is not joined into the client record"),
            Map.entry("InstallationStore.registered", "installations is not joined into the client record"),
            Map.entry("InstallationStore.flag", "installations is not joined into the client record"),
            Map.entry("InstallationStore.revoke", "its credentials are revoked through ClientStore.revoke (revokeActiveOfInstallation)"),
            Map.entry("InstallationStore.restore", "a restore leaves the old credentials revoked; installations is not joined"),
            Map.entry("InstallationStore.recordActivity", "last-seen times: installations is not joined into the client record"),
            Map.entry("InstallationStore.markStale", "installations is not joined into the client record"));

    @Test
    void everyStoreMethodThatWritesWhatAClientRecordHoldsRecordsAChange() throws IOException {
        Map<String, String> writers = new TreeMap<>(); // Class.method -> its body
        try (Stream<Path> files = Files.list(STORE)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String cls = f.getFileName().toString().replace(".java", "");
                String src = Files.readString(f);
                Matcher m = METHOD.matcher(src);
                int prevStart = -1;
                String prevName = null;
                int firstMethod = src.length();
                while (m.find()) {
                    if (prevName == null) firstMethod = m.start();
                    if (prevName != null) add(writers, cls + "." + prevName, src.substring(prevStart, m.start()));
                    prevStart = m.start();
                    prevName = m.group(1);
                }
                if (prevName != null) add(writers, cls + "." + prevName, src.substring(prevStart));
                assertThat(WRITE.matcher(src.substring(0, firstMethod)).find())
                        .as(cls + " writes a client record's table outside a method this test can see").isFalse();
            }
        }
        assertThat(writers.keySet()).as("store methods writing clients, initial_access_tokens or installations")
                .containsExactlyInAnyOrderElementsOf(union());
        for (String name : RECORDS) {
            String body = writers.get(name);
            assertThat(body.contains("ClientChangeStore.client(") || body.contains("ClientChangeStore.token(") || body.contains("changed(h, "))
                    .as(name + " records a change in client_changes").isTrue();
        }
    }

    @Test
    void aClientRecordJoinsOnlyTheTablesThisTestWatches() throws IOException {
        String src = Files.readString(STORE.resolve("ClientStore.java"));
        Matcher m = Pattern.compile("private static final String SELECT = (.*?);", Pattern.DOTALL).matcher(src);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).contains("FROM clients c LEFT JOIN initial_access_tokens i ON i.id = c.iat_id")
                .as("another JOIN: its table's writers must record changes too").containsOnlyOnce("JOIN");
    }

    private static void add(Map<String, String> writers, String name, String body) {
        if (WRITE.matcher(body).find()) writers.merge(name, body, String::concat);
    }

    private static java.util.Set<String> union() {
        java.util.Set<String> all = new java.util.HashSet<>(RECORDS);
        all.addAll(EXEMPT.keySet());
        return all;
    }
}
