package org.gatehouse.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gatehouse.server.domain.ClientKind;
import org.gatehouse.server.domain.ClientRecord;
import org.gatehouse.server.json.Json;
import org.junit.jupiter.api.Test;

/** V15: an installation client's metadata stored without the members that repeat its columns, read back whole. */
class LeanMetadataTest {
    private static ClientRecord client(ClientKind kind, String metadata, String name) {
        return ClientRecord.builder().clientId("c").kind(kind).authMethod("client_secret_basic").scope("a b").clientName(name)
                .softwareId("app").softwareVersion(null).installationId("iid-0123456789abcdef").metadata(metadata).build();
    }

    private static String full(String name, boolean withVersion) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grant_types", List.of("client_credentials"));
        m.put("response_types", List.of());
        m.put("token_endpoint_auth_method", "client_secret_basic");
        m.put("scope", "a b");
        if (name != null) m.put("client_name", name);
        m.put("contacts", List.of("ops@example.org", "say \"scope\": no"));
        m.put("software_id", "app");
        if (withVersion) m.put("software_version", "1.0");
        m.put("installation_id", "iid-0123456789abcdef");
        return Json.write(m);
    }

    private static String read(ClientRecord c, String stored) {
        return ClientStore.fullMetadata(stored, c.authMethod(), c.scope(), c.clientName(), c.softwareId(), c.softwareVersion(), c.installationId());
    }

    @Test
    void roundTripGivesTheSameMembersAndValues() throws Exception {
        for (String name : new String[] {"Ünïcode \"PC\"\\n", null}) {
            ClientRecord c = client(ClientKind.INSTALLATION, full(name, false), name);
            String lean = ClientStore.leanMetadata(c);
            assertThat(lean).isNotNull();
            assertThat(Json.parseObject(lean)).doesNotContainKeys(ClientStore.REPEATED.toArray(String[]::new)).containsKey("contacts");
            assertThat(lean.length()).isLessThan(c.metadata().length());
            assertThat(Json.parseObject(read(c, lean))).isEqualTo(Json.parseObject(c.metadata()));
        }
    }

    @Test
    void storedWholeWhenAColumnDiffersOrTheClientIsNotAnInstallation() {
        // software_version is in the JSON but its column is NULL: not exactly the columns, so stored whole.
        assertThat(ClientStore.leanMetadata(client(ClientKind.INSTALLATION, full("PC", true), "PC"))).isNull();
        assertThat(ClientStore.leanMetadata(client(ClientKind.INSTALLATION, full("PC", false), "Other"))).isNull();
        assertThat(ClientStore.leanMetadata(client(ClientKind.RESOURCE_SERVER, full("PC", false), "PC"))).isNull();
        assertThat(ClientStore.leanMetadata(client(ClientKind.INSTALLATION, "not json", "PC"))).isNull();
    }

    @Test
    void aWholeJsonUnderTheLeanMarkIsReadWithoutDuplicates() throws Exception {
        // A node from before V15 updating a lean row writes the whole JSON and leaves metadata_lean TRUE.
        ClientRecord c = client(ClientKind.INSTALLATION, full("PC", false), "PC");
        assertThat(read(c, c.metadata())).isEqualTo(c.metadata());
        assertThat(Json.parseObject(read(c, "{}"))).containsOnlyKeys("token_endpoint_auth_method", "scope", "client_name",
                "software_id", "installation_id");
    }
}
