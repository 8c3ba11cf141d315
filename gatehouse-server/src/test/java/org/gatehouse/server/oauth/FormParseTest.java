package org.gatehouse.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The token path's fast form parse gives Nimbus's map on every body it takes, and leaves every other body to Nimbus. */
class FormParseTest {
    @Test
    void agreesWithTheGeneralParserOnTheBodiesItTakes() {
        for (String body : List.of("grant_type=client_credentials", "grant_type=client_credentials&scope=read",
                "a=1&b=2&a=3", "a=", "a=&b=1", "=x", "a=b=c", "resource=x&resource=y", "k~._-=v~._-",
                "scope=a%20b", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=e.y.z",
                "a%3db=c%26d", "x=%7E%21%2a%2F%3a", "%41=%42")) {
            Map<String, List<String>> fast = Requests.plainForm(body);
            assertThat(fast).as(body).isNotNull();
            assertThat(fast).as(body).isEqualTo(URLUtils.parseParameters(body));
        }
    }

    @Test
    void leavesBodiesThatNeedDecodingOrLookOddToTheGeneralParser() {
        for (String body : List.of("", "a", "a=1&", "&a=1", "a=1&&b=2", "scope=a+b", " a=1", "a=1 ",
                "redirect=http://x", "a=\u00e9", "a=%", "a=%4", "a=%4g", "a=%g4", "a=%C3%A9", "a=%00", "a=%1F", "a=%7F", "a=%80",
                "a=%FF", "a=%%41", "a=%+1", "a=%\u0663A", "a=%4\uff11")) {
            assertThat(Requests.plainForm(body)).as(body).isNull();
        }
    }

    /** A body of many parameters is refused before any parser reads it (Nimbus's merge of repeated names is quadratic). */
    @Test
    void aFormOfMoreThan256ParametersIsRefusedBeforeItIsParsed() {
        java.util.function.Function<String, Map<String, String>> parse = body -> Requests.form(new Requests.Input() {
            @Override
            public String header(String name) {
                return "Content-Type".equalsIgnoreCase(name) ? "application/x-www-form-urlencoded" : null;
            }

            @Override
            public java.util.Iterator<String> headers(String name) {
                return java.util.Collections.emptyIterator();
            }

            @Override
            public String body() {
                return body;
            }

            @Override
            public String clientAddress() {
                return "127.0.0.1";
            }
        }, "resource", new java.util.ArrayList<>());
        String resources = "&resource=https%3A%2F%2Fapi.example%2F".repeat(Requests.MAX_FORM_PARAMETERS - 1);
        assertThat(parse.apply("grant_type=client_credentials" + resources)).containsEntry("grant_type", "client_credentials");
        for (String many : List.of("grant_type=client_credentials" + resources + "&scope=a", "a=1" + "&a=1".repeat(20_000), "&".repeat(300))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse.apply(many))
                    .isInstanceOf(org.gatehouse.server.errors.OAuthError.class).hasMessageContaining("more than 256 parameters");
        }
    }
}
