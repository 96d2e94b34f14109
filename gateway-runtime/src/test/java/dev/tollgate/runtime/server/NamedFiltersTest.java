package dev.tollgate.runtime.server;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestPlugin;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Named filter instances ({@code gateway.filters.<name> { type = …, … }}) are created once and
 * shared by every route (and the gateway-wide list) that names them; inline entries give a type
 * with settings of their own, in the 1.2 form ({@code type}) and the 1.1 form ({@code name}).
 */
class NamedFiltersTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aNamedInstanceIsCreatedOnceAndSharedByEveryRouteNamingIt() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                filters { one-for-all { type = test-counted, value = named-shared } }
                routes = [
                  { path = "/a", endpoint = test-echo, filters = [ one-for-all ] }
                  { path = "/b", endpoint = test-echo, filters = [ "one-for-all" ] }
                  { path = "/c", endpoint = test-echo, filters = [ { name = one-for-all } ] }
                ]
                """)) {
            assertThat(TestPlugin.countedCreated("named-shared")).isEqualTo(1);
            assertThat(get(gateway, "/a").headers().firstValue("X-Counted")).hasValue("named-shared:1:1");
            assertThat(get(gateway, "/b").headers().firstValue("X-Counted")).as("the same instance counts on").hasValue("named-shared:2:2");
            assertThat(get(gateway, "/c").headers().firstValue("X-Counted")).hasValue("named-shared:3:3");
        }
        assertThat(TestPlugin.countedClosed("named-shared")).isEqualTo(1);
    }

    @Test
    void inlineEntriesAreInstancesOfTheirOwn() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                routes = [
                  { path = "/a", endpoint = test-echo, filters = [ { type = test-counted, value = inline-own, shared = inline-shared } ] }
                  { path = "/b", endpoint = test-echo, filters = [ { name = test-counted, value = inline-own, shared = inline-shared } ] }
                ]
                """)) {
            assertThat(TestPlugin.countedCreated("inline-own")).isEqualTo(2);
            assertThat(TestPlugin.sharedCreated("inline-shared")).as("the plugin-wide resource is shared").isEqualTo(1);
            assertThat(get(gateway, "/a").headers().firstValue("X-Counted")).hasValue("inline-own:1:1");
            assertThat(get(gateway, "/b").headers().firstValue("X-Counted")).as("own count, shared resource").hasValue("inline-own:1:2");
        }
        assertThat(TestPlugin.countedClosed("inline-own")).isEqualTo(2);
        assertThat(TestPlugin.sharedClosed("inline-shared")).as("closed with the last component holding it").isEqualTo(1);
    }

    @Test
    void aNamedInstanceCanRunGatewayWide() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                filters { everywhere { type = test-tag, value = named-global } }
                global-filters = [ everywhere ]
                """)) {
            HttpResponse<String> response = get(gateway, "/missing");
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().allValues("X-Tag")).containsExactly("named-global");
        }
    }

    @Test
    void mistakesNameTheKey() {
        assertThatThrownBy(() -> TestGateway.start("filters { x { value = 1 } }"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("gateway.filters.x.type");
        assertThatThrownBy(() -> TestGateway.start("filters { x { type = test-tga } }"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("unknown filter 'test-tga'").hasMessageContaining("did you mean");
        assertThatThrownBy(() -> TestGateway.start("""
                filters { x { type = test-tag } }
                routes = [ { path = "/a", endpoint = test-echo, filters = [ { name = x, value = other } ] } ]
                """)).isInstanceOf(InvalidConfigException.class).hasMessageContaining("named filter instance")
                .hasMessageContaining("gateway.routes[0].filters[0].name");
        assertThatThrownBy(() -> TestGateway.start("""
                routes = [ { path = "/a", endpoint = test-echo, filters = [ { type = test-tag, name = test-tag } ] } ]
                """)).isInstanceOf(InvalidConfigException.class).hasMessageContaining("either type");
        assertThatThrownBy(() -> TestGateway.start("""
                global-filters = [ { type = test-tag, nonsense = 1 } ]
                """)).isInstanceOf(InvalidConfigException.class).hasMessageContaining("gateway.global-filters[0].nonsense");
    }
}
