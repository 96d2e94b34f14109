package dev.tollgate.plugin.authjwt;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where tokens are found: the Bearer scheme, other headers, cookies, and the query only on upgrades. */
class TokenSourceTest {

    /** A request with these headers, this query parameter and upgrade flag; nothing else is asked. */
    private static Exchange.Request request(Headers headers, Map<String, String> query, boolean upgrade) {
        return (Exchange.Request) Proxy.newProxyInstance(Exchange.Request.class.getClassLoader(), new Class<?>[] {Exchange.Request.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "headers" -> headers;
                    case "queryParameter" -> query.get((String) args[0]);
                    case "isWebSocketUpgrade" -> upgrade;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static Exchange.Request withHeaders(String... namesAndValues) {
        Headers headers = Headers.create();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return request(headers, Map.of(), false);
    }

    @Test
    void authorizationTakesTheBearerSchemeInAnyCase() throws Exception {
        TokenSource authorization = TokenSource.parse("header:Authorization");
        assertThat(authorization.find(withHeaders("Authorization", "Bearer abc.def.ghi"))).isEqualTo("abc.def.ghi");
        assertThat(authorization.find(withHeaders("authorization", "bearer   abc.def.ghi "))).isEqualTo("abc.def.ghi");
        assertThat(authorization.find(withHeaders("Authorization", "Bearer"))).as("presented, empty").isEmpty();
        assertThat(authorization.find(withHeaders("Authorization", "Basic YWxpY2U6eA=="))).as("another scheme").isNull();
        assertThat(authorization.find(withHeaders("Authorization", "Bearerabc"))).isNull();
        assertThat(authorization.find(withHeaders())).isNull();
        assertThat(authorization.find(withHeaders("Authorization", "Basic YWxpY2U6eA==", "Authorization", "Bearer t"))).isEqualTo("t");
        assertThatThrownBy(() -> authorization.find(withHeaders("Authorization", "Bearer a", "Authorization", "Bearer b")))
                .isInstanceOfSatisfying(TokenRefusedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
    }

    @Test
    void anotherHeaderHoldsTheTokenWithAnOptionalPrefix() throws Exception {
        TokenSource header = TokenSource.parse("header:X-Access-Token");
        assertThat(header.find(withHeaders("X-Access-Token", "abc"))).isEqualTo("abc");
        assertThat(header.find(withHeaders("x-access-token", "Bearer abc"))).isEqualTo("abc");
    }

    @Test
    void cookiesAreFoundByExactName() throws Exception {
        TokenSource cookie = TokenSource.parse("cookie:access_token");
        assertThat(cookie.find(withHeaders("Cookie", "a=1; access_token=abc; b=2"))).isEqualTo("abc");
        assertThat(cookie.find(withHeaders("Cookie", "a=1", "Cookie", "access_token=\"abc\""))).isEqualTo("abc");
        assertThat(cookie.find(withHeaders("Cookie", "Access_Token=abc; xaccess_token=abc"))).isNull();
    }

    @Test
    void theQueryIsReadOnlyOnWebSocketUpgrades() throws Exception {
        TokenSource query = TokenSource.parse("query:access_token");
        assertThat(query.find(request(Headers.create(), Map.of("access_token", "abc"), true))).isEqualTo("abc");
        assertThat(query.find(request(Headers.create(), Map.of("access_token", "abc"), false))).isNull();
    }

    @Test
    void theQueryParameterIsRemovedFromTheQueryPassedOn() {
        TokenSource.Query query = new TokenSource.Query("access_token");
        assertThat(query.without("access_token=abc")).isNull();
        assertThat(query.without("room=1&access_token=abc&x=%20y")).isEqualTo("room=1&x=%20y");
        assertThat(query.without("access%5Ftoken=abc&access_token=def&flag")).isEqualTo("flag");
        assertThat(query.without("access_tokens=abc")).isEqualTo("access_tokens=abc");
        assertThat(query.without(null)).isNull();
    }

    @Test
    void refusesOtherPlaces() {
        assertThatThrownBy(() -> TokenSource.parse("body:token")).hasMessageContaining("must be header:<name>");
        assertThatThrownBy(() -> TokenSource.parse("header:")).hasMessageContaining("must be header:<name>");
        assertThat(TokenSource.parse(" Cookie : session ")).isEqualTo(new TokenSource.Cookie("session"));
    }
}
