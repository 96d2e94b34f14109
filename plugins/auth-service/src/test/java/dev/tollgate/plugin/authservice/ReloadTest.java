package dev.tollgate.plugin.authservice;

import dev.tollgate.runtime.ReloadResult;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.tollgate.plugin.authservice.Gateways.withToken;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configuration reload keeps a filter whose settings did not change, with its cached verdicts
 * (and the service's channels); a filter whose settings changed starts with an empty cache; an
 * invalid filter never replaces the running configuration.
 */
class ReloadTest {
    private static String config(String url, String ttl, String extraRoute) {
        return """
                services { auth { backend = auth-service, instances = ["%s"] } }
                filters { auth { type = auth-service, service = auth, deadline = 5s, cache.ttl = %s } }
                routes = [
                  { path = "/api/**", endpoint = test-echo, filters = [ auth ] }
                  %s
                ]
                """.formatted(url, ttl, extraRoute);
    }

    @Test
    void anUnchangedFilterKeepsItsCacheAcrossAReloadAndAChangedOneStartsAfresh() throws Exception {
        try (AuthServer auth = AuthServer.tollgate().account("tok-reload", "quinn", List.of(), Map.of());
             TestGateway gateway = Gateways.start(config(auth.url(), "1h", ""))) {
            assertThat(withToken(gateway, "/api/x", "tok-reload").statusCode()).isEqualTo(200);

            ReloadResult kept = gateway.reload(config(auth.url(), "1h", "{ path = \"/more/**\", endpoint = test-echo, filters = [ auth ] }"));
            assertThat(kept.applied()).as(kept.message()).isTrue();
            assertThat(withToken(gateway, "/more/x", "tok-reload").statusCode()).isEqualTo(200);
            assertThat(auth.calls("tok-reload")).as("the kept filter answered from its cache").isEqualTo(1);

            ReloadResult changed = gateway.reload(config(auth.url(), "2h", ""));
            assertThat(changed.applied()).as(changed.message()).isTrue();
            assertThat(withToken(gateway, "/api/x", "tok-reload").statusCode()).isEqualTo(200);
            assertThat(auth.calls("tok-reload")).as("a new filter, a new cache").isEqualTo(2);

            ReloadResult refused = gateway.reload(config(auth.url(), "2h", "").replace("service = auth,", "service = nope,"));
            assertThat(refused.applied()).isFalse();
            assertThat(refused.message()).contains("gateway.filters.auth.service").contains("no service 'nope'");
            assertThat(withToken(gateway, "/api/x", "tok-reload").statusCode()).as("the running configuration stays").isEqualTo(200);
        }
    }
}
