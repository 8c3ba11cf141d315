package org.gatehouse.server.registration;

import org.gatehouse.server.domain.ClientMetadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gatehouse.server.errors.OAuthError;
import org.junit.jupiter.api.Test;

/** MetadataRules (RFC 7591 §2) as a pure function: a request's metadata in, what is registered or the error out. */
class MetadataRulesTest {
    private static final Set<String> ALLOWED = Set.of("prefs:read", "prefs:write");

    private static ClientMetadata check(Object... kv) {
        Map<String, Object> req = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) req.put((String) kv[i], kv[i + 1]);
        return MetadataRules.check(req, ALLOWED, "prefs:read");
    }

    private static OAuthError refused(Object... kv) {
        OAuthError e = catchThrowableOfType(OAuthError.class, () -> check(kv));
        assertThat(e).as("refused: " + List.of(kv)).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        return e;
    }

    @Test
    void anEmptyRequestGetsTheDefaults() {
        ClientMetadata m = check();
        assertThat(m.authMethod()).isEqualTo("client_secret_basic"); // RFC 7591 §2
        assertThat(m.scope()).isEqualTo("prefs:read");
        assertThat(m.contacts()).isEmpty();
        assertThat(m.redirectUris()).isEmpty();
        assertThat(m.clientName()).isNull();
    }

    @Test
    void everyFieldItUnderstandsIsKeptAndUnknownOnesIgnored() {
        ClientMetadata m = check("client_name", "Library PC", "client_uri", "https://app.example/", "logo_uri", "https://app.example/l.png",
                "contacts", List.of("it@library.example", "it@library.example"), "redirect_uris", List.of("https://app.example/cb"),
                "token_endpoint_auth_method", "client_secret_post", "scope", "prefs:write prefs:read", "software_id", "org.example.app",
                "software_version", "2.1", "installation_id", "A".repeat(43), "grant_types", List.of("client_credentials"),
                "response_types", List.of(), "x_unknown", Map.of("any", 1));
        assertThat(m.clientName()).isEqualTo("Library PC");
        assertThat(m.contacts()).containsExactly("it@library.example"); // duplicates collapse
        assertThat(m.authMethod()).isEqualTo("client_secret_post");
        assertThat(m.scope()).isEqualTo("prefs:write prefs:read");
        assertThat(m.installationId()).hasSize(43);
    }

    @Test
    void grantsResponseTypesAndAuthMethodsItDoesNotServeAreRefused() {
        assertThat(refused("grant_types", List.of("authorization_code")).error()).isEqualTo("invalid_client_metadata");
        refused("grant_types", List.of());
        refused("grant_types", "client_credentials");
        refused("response_types", List.of("code"));
        refused("token_endpoint_auth_method", "private_key_jwt");
        refused("token_endpoint_auth_method", "none");
    }

    @Test
    void scopeIsLimitedToTheTokensAndWellFormed() {
        assertThat(refused("scope", "admin").description()).contains("not allowed by the initial access token");
        refused("scope", "prefs:read  prefs:write");
        refused("scope", List.of("prefs:read"));
        assertThat(check("scope", "").scope()).isEmpty();
    }

    @Test
    void urisMustBeAbsoluteAndRedirectUrisWithoutFragment() {
        assertThat(refused("redirect_uris", List.of("https://app.example/cb#x")).error()).isEqualTo("invalid_redirect_uri"); // RFC 6749 §3.1.2
        refused("redirect_uris", List.of("/relative"));
        refused("client_uri", "ftp://app.example/");
        refused("client_uri", "app.example");
        refused("logo_uri", "https://app.example/a b");
        refused("tos_uri", "https://app.example/\u202Egnp.exe");
    }

    @Test
    void textFieldsMustBePlainAndWithinTheirLimits() {
        for (String field : List.of("client_name", "software_id", "software_version")) {
            refused(field, " ");
            refused(field, "a\u202Eb");
            refused(field, "Library\u00A0PC"); // a space that is not the ASCII space (Text.isPlain)
            refused(field, 42);
        }
        check("client_name", "x".repeat(MetadataRules.MAX_NAME));
        refused("client_name", "x".repeat(MetadataRules.MAX_NAME + 1));
        refused("software_version", "1".repeat(MetadataRules.MAX_SOFTWARE_VERSION + 1));
        refused("contacts", List.of("a\nb"));
        refused("contacts", List.of(""));
    }

    @Test
    void listsAreBoundedAndOfStrings() {
        refused("contacts", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"));
        refused("contacts", List.of(1));
        refused("contacts", "it@library.example");
        refused("redirect_uris", List.of("https://app.example/" + "x".repeat(MetadataRules.MAX_URI)));
    }

    @Test
    void installationIdsAreBase64urlOfTheRightLength() {
        check("installation_id", "a".repeat(16));
        check("installation_id", "a-_".repeat(40));
        refused("installation_id", "a".repeat(15));
        refused("installation_id", "a".repeat(129));
        refused("installation_id", "a".repeat(20) + "=");
        refused("installation_id", 12345678901234567L);
    }
}
