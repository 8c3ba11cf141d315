package org.gatehouse.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.gatehouse.server.config.ConfigException;
import org.gatehouse.server.testing.Backend;
import org.gatehouse.server.testing.Cli;
import org.gatehouse.server.testing.Flow;
import org.gatehouse.server.testing.Node;
import org.gatehouse.server.testing.Slow;
import org.gatehouse.server.testing.TestServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 2: the signing algorithm is the cluster's, stored once in the database. Two nodes on one
 * PostgreSQL database: a node started with another GATEHOUSE_SIGNING_ALG refuses to start with one line and
 * changes nothing; a node with the setting unset follows the cluster; `gatehouse keys algorithm` changes it on
 * purpose, and the new algorithm's key is published for the publication delay before any token is signed with it.
 */
@Slow
class ClusterAlgorithmTest {
    private static final long WAIT_MS = 120_000;

    private static String alg(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getAlgorithm().getName();
    }

    private static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    private static List<String> published(TestServer s) throws Exception {
        return JWKSet.parse(s.http.get("/jwks").body()).getKeys().stream().map(JWK::getKeyID).collect(Collectors.toList());
    }

    @Test
    void aNodeWithAnotherAlgorithmRefusesToStartAndAChangeIsPublishedBeforeItSigns() throws Exception {
        try (Backend b = Backend.create(Backend.POSTGRES)) {
            Map<String, String> settings = Map.of("GATEHOUSE_KEY_PUBLISH_DELAY", "3s", "GATEHOUSE_KEY_REFRESH", "1s");
            TestServer a = TestServer.startOn(b, settings);
            TestServer second = null;
            try {
                Flow.Client c = Flow.register(a);
                assertThat(alg(Flow.token(a, c))).isEqualTo("ES256");

                // A second node started with another algorithm: one line, exit 2, nothing changed.
                Map<String, String> env = new HashMap<>(b.env());
                // Node a's port: should the check ever pass, this node fails to listen and exits instead of serving on.
                env.put("GATEHOUSE_PORT", Integer.toString(a.config.port));
                env.put("GATEHOUSE_ISSUER", a.issuer);
                env.put("GATEHOUSE_SIGNING_ALG", "EdDSA");
                Cli.Result refused = Cli.run(env, "serve");
                assertThat(refused.exit()).as(refused.err()).isEqualTo(2);
                assertThat(refused.err().strip()).isEqualTo("gatehouse: GATEHOUSE_SIGNING_ALG=EdDSA but this cluster signs with ES256"
                        + " (stored in the database): unset it or set ES256, or change the cluster's algorithm on purpose with"
                        + " 'gatehouse keys algorithm EdDSA'");
                assertThatThrownBy(() -> TestServer.startOn(b, Map.of("GATEHOUSE_SIGNING_ALG", "RS256")))
                        .isInstanceOf(ConfigException.class).hasMessageContaining("this cluster signs with ES256");
                a.gatehouse().keys.refresh();
                assertThat(alg(Flow.token(a, c))).isEqualTo("ES256");
                assertThat(a.gatehouse().keys.list()).allSatisfy(k -> assertThat(k.alg()).isEqualTo("ES256"));

                // A node with the setting unset follows the cluster.
                second = TestServer.startOn(b, settings);
                assertThat(alg(Flow.token(second, c))).isEqualTo("ES256");

                // The change on purpose: published at once on both nodes, signing only after the publication delay.
                Cli.Result changed = Cli.run(env, "keys", "algorithm", "EdDSA");
                assertThat(changed.exit()).as(changed.err()).isEqualTo(0);
                String newKid = a.gatehouse().keys.list().stream().filter(k -> k.alg().equals("EdDSA")).findFirst().orElseThrow().kid();
                assertThat(changed.out()).contains("the cluster's signing algorithm is now EdDSA (was ES256): key " + newKid);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                boolean seenPublished = false;
                while (true) {
                    // Read /jwks before asking for a token: a token signed by a key this JWKS lacked would fail the test.
                    boolean publishedNow = published(a).contains(newKid) && published(second).contains(newKid);
                    String fromA = Flow.token(a, c);
                    String fromSecond = Flow.token(second, c);
                    seenPublished |= publishedNow;
                    if (!seenPublished) {
                        assertThat(List.of(alg(fromA), alg(fromSecond))).as("nothing signs with a key before it is published").containsOnly("ES256");
                    }
                    if (alg(fromA).equals("EdDSA") && alg(fromSecond).equals("EdDSA")) {
                        assertThat(kid(fromA)).isEqualTo(newKid);
                        break;
                    }
                    assertThat(System.nanoTime()).as("both nodes sign with the new algorithm after the publication delay").isLessThan(deadline);
                    Node.pause();
                }
                long created = a.gatehouse().keys.list().stream().filter(k -> k.kid().equals(newKid)).findFirst().orElseThrow().createdAt();
                long activated = a.gatehouse().keys.list().stream().filter(k -> k.kid().equals(newKid)).findFirst().orElseThrow().activatedAt();
                assertThat(activated - created).as("published this long before it signed").isGreaterThanOrEqualTo(3_000);
                // The old algorithm's keys stay published until their tokens expire.
                assertThat(published(a)).anyMatch(k -> k.startsWith("es256-"));
                int changes = a.gatehouse().db.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE action = 'key.algorithm'")
                        .mapTo(Integer.class).one());
                assertThat(changes).isEqualTo(1);
            } finally {
                if (second != null) second.closeKeepingData();
                a.closeKeepingData();
            }
        }
    }
}
