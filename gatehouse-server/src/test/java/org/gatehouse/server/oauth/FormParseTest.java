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
                "a=1&b=2&a=3", "a=", "a=&b=1", "=x", "a=b=c", "resource=x&resource=y", "k~._-=v~._-")) {
            Map<String, List<String>> fast = Requests.plainForm(body);
            assertThat(fast).as(body).isNotNull();
            assertThat(fast).as(body).isEqualTo(URLUtils.parseParameters(body));
        }
    }

    @Test
    void leavesBodiesThatNeedDecodingOrLookOddToTheGeneralParser() {
        for (String body : List.of("", "a", "a=1&", "&a=1", "a=1&&b=2", "scope=a+b", "scope=a%20b", " a=1", "a=1 ",
                "redirect=http://x", "a=\u00e9")) {
            assertThat(Requests.plainForm(body)).as(body).isNull();
        }
    }
}
