package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.http.Headers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where tokens are found: Bearer credentials, another header, a cookie. */
class TokenSourceTest {

    private static Headers headers(String... pairs) {
        Headers headers = Headers.create();
        for (int i = 0; i < pairs.length; i += 2) {
            headers.add(pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    @Test
    void bearerCredentialsOfTheAuthorizationHeader() {
        TokenSource bearer = TokenSource.parse("header:Authorization");
        assertThat(bearer).isInstanceOf(TokenSource.Bearer.class);
        assertThat(bearer.find(headers("Authorization", "Bearer abc.def"))).isEqualTo("abc.def");
        assertThat(bearer.find(headers("authorization", "bearer   abc "))).as("scheme and header names ignore case").isEqualTo("abc");
        assertThat(bearer.find(headers("Authorization", "Basic dXNlcjpwYXNz"))).isNull();
        assertThat(bearer.find(headers("Authorization", "Bearer "))).isNull();
        assertThat(bearer.find(headers("Authorization", "Basic x", "Authorization", "Bearer second"))).isEqualTo("second");
        assertThat(bearer.find(headers())).isNull();
    }

    @Test
    void anotherHeadersWholeValue() {
        TokenSource header = TokenSource.parse("header:X-Api-Token");
        assertThat(header.find(headers("x-api-token", " k-123 "))).isEqualTo("k-123");
        assertThat(header.find(headers("X-Api-Token", " "))).isNull();
    }

    @Test
    void aCookie() {
        TokenSource cookie = TokenSource.parse("cookie:access_token");
        assertThat(cookie.find(headers("Cookie", "theme=dark; access_token=abc; other=x"))).isEqualTo("abc");
        assertThat(cookie.find(headers("Cookie", "access_token=\"quoted\""))).isEqualTo("quoted");
        assertThat(cookie.find(headers("Cookie", "x_access_token=no; access_token_2=no"))).isNull();
        assertThat(cookie.find(headers("Cookie", "a=b", "Cookie", "access_token=second"))).isEqualTo("second");
        assertThat(cookie.find(headers("Cookie", "access_token="))).isNull();
    }

    @Test
    void refusesWhatIsNotASource() {
        for (String text : new String[] {"Authorization", "query:token", "header:", "cookie:a b", "header:X:Y"}) {
            assertThatThrownBy(() -> TokenSource.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a token source");
        }
    }
}
