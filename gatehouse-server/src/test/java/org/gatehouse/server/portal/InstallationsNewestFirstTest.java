package org.gatehouse.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gatehouse.server.accounts.ApiTokens;
import org.gatehouse.server.audit.Actor;
import org.gatehouse.server.domain.AccountRecord;
import org.gatehouse.server.domain.InstallationRecord;
import org.gatehouse.server.store.AccountStore;
import org.gatehouse.server.domain.InstallationFilter;
import org.gatehouse.server.store.InstallationStore;
import org.gatehouse.server.testing.BothBackends;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Http;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;

/**
 * Issue 14: installations listed "newest first" are ordered by creation time, then id (their ids are
 * random), on the API (with its cursor), the admin's installations page and the issuer's token page.
 */
@BothBackends
class InstallationsNewestFirstTest {
    private static final Pattern ROW = Pattern.compile("href=\"/installations/(inst_[^/\"]+)/revoke\"");

    @Parameter
    String backend;

    private TestServer s() {
        return TestServer.shared(backend);
    }

    @Test
    void installationsCreatedOutOfIdOrderAreListedByCreationTimeThenId() {
        PortalClient admin = new PortalClient(s().issuer);
        PortalTest.admin(s(), admin);
        String[] t = PortalTest.createToken(admin, "newest first", 4);
        for (int i = 0; i < 4; i++) Flow.register(s(), t[1], "{\"installation_id\":\"" + Flow.installationId() + "\"}");
        List<String> ids = new ArrayList<>();
        for (InstallationRecord r : s().gatehouse().installations.list(
                new InstallationFilter(t[0], null, null, null, null), 10, null)) {
            ids.add(r.id());
        }
        assertThat(ids).hasSize(4);
        Collections.sort(ids);
        String a = ids.get(0), b = ids.get(1), c = ids.get(2), d = ids.get(3);
        // Created against the order of their ids: the smallest id is the newest; c and d at the same moment.
        long base = 1_700_000_000_000L;
        Map<String, Long> created = Map.of(a, base + 3000, b, base + 2000, c, base + 1000, d, base + 1000);
        s().gatehouse().db.withHandle(h -> {
            created.forEach((id, at) -> h.execute("UPDATE installations SET created_at = ? WHERE id = ?", at, id));
            return null;
        });
        List<String> expected = List.of(a, b, d, c); // by id (the old order) it was d, c, b, a

        // The API, whole and page by page (the cursor falls between, and inside, equal creation times).
        String owner = s().gatehouse().iats.get(t[0]).orElseThrow().ownerAccount();
        AccountRecord account = s().gatehouse().db.withHandle(h -> new AccountStore().findAccount(h, owner)).orElseThrow();
        String api = s().gatehouse().apiTokens.create(account, "newest first", List.copyOf(ApiTokens.SCOPES), Duration.ofDays(1),
                Actor.cli()).token();
        assertThat(apiPages(api, "/api/v1/installations?token=" + t[0])).containsExactly(expected);
        assertThat(apiPages(api, "/api/v1/installations?token=" + t[0] + "&limit=2"))
                .containsExactly(List.of(a, b), List.of(d, c));
        assertThat(apiPages(api, "/api/v1/installations?token=" + t[0] + "&limit=3"))
                .containsExactly(List.of(a, b, d), List.of(c));
        assertThat(apiPages(api, "/api/v1/installations?token=" + t[0] + "&status=active&limit=3"))
                .containsExactly(List.of(a, b, d), List.of(c));

        // The portal: the admin's installations page and the token's own page.
        assertThat(rows(admin.get("/admin/installations?token=" + t[0]).body())).isEqualTo(expected);
        assertThat(rows(admin.get("/tokens/" + t[0]).body())).isEqualTo(expected);
        // The unfiltered admin list shows them in the same relative order (other tests' installations are newer).
        List<String> all = new ArrayList<>();
        String next = "/api/v1/installations?limit=200";
        while (next != null) {
            Http.Response r = s().http.get(next, api);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            for (Map<String, Object> i : items(r)) all.add((String) i.get("id"));
            next = (String) r.json().get("next");
        }
        assertThat(all.stream().filter(expected::contains).toList()).isEqualTo(expected);
    }

    /** Each page's ids, following the next links. */
    private List<List<String>> apiPages(String api, String first) {
        List<List<String>> pages = new ArrayList<>();
        String next = first;
        while (next != null) {
            Http.Response r = s().http.get(next, api);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            pages.add(items(r).stream().map(i -> (String) i.get("id")).toList());
            next = (String) r.json().get("next");
        }
        return pages;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Http.Response r) {
        return (List<Map<String, Object>>) r.json().get("items");
    }

    private static List<String> rows(String html) {
        List<String> ids = new ArrayList<>();
        Matcher m = ROW.matcher(html);
        while (m.find()) ids.add(m.group(1));
        return ids;
    }
}
