package dev.tollgate.runtime.config;

import dev.tollgate.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConfigReaderTest {
    private static final Path HOME = Path.of("/opt/tollgate");

    private static GatewayConfig read(String text) {
        return GatewayConfigReader.withRuntimeReference().read(GatewayConfigReader.parseString(text), HOME);
    }

    @Test
    void emptyConfigurationTakesTheDocumentedDefaults() {
        GatewayConfig config = read("");
        assertThat(config.server().http().port()).isEqualTo(8080);
        assertThat(config.server().http().h2c()).isTrue();
        assertThat(config.server().http().h2cUpgrade()).isFalse();
        assertThat(config.server().https().port()).isEqualTo(8443);
        assertThat(config.server().https().http2Only()).isFalse();
        assertThat(config.server().https().keyStore().path()).isEmpty();
        assertThat(config.server().https().keyStore().selfSignedDirectory()).isEqualTo(HOME.resolve("data/tls"));
        assertThat(config.server().limits().maxRequestHeaderSize()).isEqualTo(16 * 1024);
        assertThat(config.server().limits().maxRequestBodySize()).isEqualTo(10L * 1024 * 1024);
        assertThat(config.server().limits().headerReadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.server().limits().http2MaxConcurrentStreams()).isEqualTo(128);
        assertThat(config.server().limits().maxConnections()).isEqualTo(10_000);
        assertThat(config.server().limits().tlsHandshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.server().limits().http2IdleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.server().limits().http2InitialSessionWindow()).isEqualTo(16 * 1024 * 1024);
        assertThat(config.server().security().rejectAmbiguousPaths()).isTrue();
        assertThat(config.server().security().rejectUnderscoresInHeaderNames()).isTrue();
        assertThat(config.server().requestIdHeader()).isEqualTo("X-Request-Id");
        assertThat(config.system().healthPath()).isEqualTo("/health");
        assertThat(config.system().metricsPath()).isEqualTo("/metrics");
        assertThat(config.plugins().directory()).isEqualTo(HOME.resolve("plugins.d"));
        assertThat(config.events().isLocal()).isTrue();
        assertThat(config.routes()).isEmpty();
    }

    @Test
    void noProxyIsTrustedAndTheUsualIdentityHeadersAreRemovedByDefault() {
        GatewayConfig.Forwarding forwarding = read("").server().forwarding();
        assertThat(forwarding.trustedProxies().isEmpty()).isTrue();
        assertThat(forwarding.clientAddressHeader()).isEqualTo("X-Forwarded-For");
        assertThat(forwarding.identityHeaders()).containsExactly("X-User-Id", "X-User-Roles");
        GatewayConfig.Forwarding configured = read("""
                gateway.server {
                  trusted-proxies = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
                  client-address-header = Forwarded
                  identity-headers = ["X-User-Id", "X-User-Roles", "X-Tenant"]
                }
                """).server().forwarding();
        assertThat(configured.trustedProxies().ranges()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.0.2.7");
        assertThat(configured.clientAddressHeader()).isEqualTo("Forwarded");
        assertThat(configured.identityHeaders()).containsExactly("X-User-Id", "X-User-Roles", "X-Tenant");
    }

    @Test
    void aTrustedProxyThatIsNoRangeIsRefusedWithItsPath() {
        assertThatThrownBy(() -> read("gateway.server.trusted-proxies = [\"10.0.0.0/8\", \"10.0.0.0/33\"]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.trusted-proxies")
                .hasMessageContaining("'10.0.0.0/33': the prefix length must be 0 to 32");
        assertThatThrownBy(() -> read("gateway.server.trusted-proxies = [\"lb.internal\"]"))
                .hasMessageContaining("gateway.server.trusted-proxies")
                .hasMessageContaining("'lb.internal' is not an IP address or a CIDR range");
        assertThatThrownBy(() -> read("gateway.server.trusted-proxies = [\"10.1.0.0/8\"]"))
                .hasMessageContaining("did you mean 10.0.0.0/8?");
        assertThatThrownBy(() -> read("gateway.server.trusted-proxies = \"10.0.0.0/8\""))
                .hasMessageContaining("gateway.server.trusted-proxies");
        assertThatThrownBy(() -> read("gateway.server.identity-headers = [\"X_User\"]"))
                .hasMessageContaining("gateway.server.identity-headers")
                .hasMessageContaining("'X_User' is not a header name");
        assertThatThrownBy(() -> read("gateway.server.client-address-header = \"X Forwarded\""))
                .hasMessageContaining("gateway.server.client-address-header");
        assertThatThrownBy(() -> read("gateway.server.identity-headers = [\"X-Forwarded-For\"]"))
                .hasMessageContaining("is the client-address-header");
    }

    @Test
    void anHttp2StreamWindowLargerThanTheSessionWindowIsRefused() {
        assertThatThrownBy(() -> read("gateway.server.limits.http2 { initial-stream-window = 4MiB, initial-session-window = 1MiB }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.limits.http2.initial-stream-window")
                .hasMessageContaining("may not exceed initial-session-window");
    }

    @Test
    void misspelledKeyIsRefusedWithItsPathLineAndASuggestion() {
        assertThatThrownBy(() -> read("""
                gateway {
                  server {
                    htp { port = 9090 }
                  }
                }
                """))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.htp")
                .hasMessageContaining("unknown setting")
                .hasMessageContaining("did you mean 'http'")
                .satisfies(e -> assertThat(((InvalidConfigException) e).origin()).isEqualTo("String: 3"));
    }

    @Test
    void misspelledTopLevelKeyIsRefused() {
        assertThatThrownBy(() -> read("gatway { }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gatway")
                .hasMessageContaining("did you mean 'gateway'");
    }

    @Test
    void wrongTypeNamesTheKey() {
        assertThatThrownBy(() -> read("gateway.server.http.port = eighty"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.http.port")
                .hasMessageContaining("must be a whole number");
        assertThatThrownBy(() -> read("gateway.server.limits.idle-timeout = soon"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.limits.idle-timeout")
                .hasMessageContaining("duration");
        assertThatThrownBy(() -> read("gateway.server.http.port = 70000"))
                .hasMessageContaining("must be between 0 and 65535");
    }

    @Test
    void lingeringCloseDefaultsToTwoSecondsAndMayBeTurnedOff() {
        assertThat(read("").server().limits().lingeringTime()).isEqualTo(Duration.ofSeconds(2));
        assertThat(read("gateway.server.limits.lingering-time = 0").server().limits().lingeringTime()).isZero();
        assertThatThrownBy(() -> read("gateway.server.limits.lingering-time = -1s"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.limits.lingering-time");
    }

    @Test
    void reservedThreadsDefaultToNoneAndAreBounded() {
        assertThat(read("").server().reservedThreads()).isZero();
        assertThat(read("gateway.server.threads.reserved = -1").server().reservedThreads()).isEqualTo(-1);
        assertThatThrownBy(() -> read("gateway.server.threads.reserved = -2"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.threads.reserved")
                .hasMessageContaining("must be between -1 and 10000");
    }

    @Test
    void selectorsDefaultToTheListenersOwnSizing() {
        GatewayConfig.Server server = read("").server();
        assertThat(server.http().selectors()).isZero();
        assertThat(server.https().selectors()).isZero();
        assertThat(read("gateway.server.https.selectors = 4").server().https().selectors()).isEqualTo(4);
        assertThatThrownBy(() -> read("gateway.server.http.selectors = -1"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.server.http.selectors")
                .hasMessageContaining("must be between 0 and 256");
    }

    @Test
    void environmentSubstitutionsOverrideOrFallBack() {
        GatewayConfig config = read("""
                gateway.server.http { port = 9000, port = ${?TOLLGATE_TEST_VARIABLE_THAT_IS_NOT_SET} }
                gateway.server.host = ${?TOLLGATE_TEST_VARIABLE_THAT_IS_NOT_SET}
                gateway.data-directory = ${HOME}
                """);
        assertThat(config.server().http().port()).isEqualTo(9000);
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.dataDirectory()).isEqualTo(Path.of(System.getenv("HOME")));
    }

    @Test
    void routesAreReadWithTheirTargetsAndFilters() {
        GatewayConfig config = read("""
                gateway {
                  services { auth { backend = http, instances = ["http://127.0.0.1:9000", { url = "http://10.0.0.2:9000", weight = 3, metadata { zone = b } }] } }
                  routes = [
                    { id = login, path = "/api/auth/**", methods = [get, POST], service = auth, filters = [ cors, { name = jwt, issuer = x } ] }
                    { path = "/ws/{id}", endpoint = { name = hub, subscribe = ["simulation:{id}"] }, hosts = ["*.example.com"], headers { X-Version = "2" } }
                  ]
                }
                """);
        GatewayConfig.Route login = config.routes().get(0);
        assertThat(login.id()).isEqualTo("login");
        assertThat(login.methods()).containsExactly("GET", "POST");
        assertThat(login.target()).isInstanceOf(GatewayConfig.ServiceTarget.class);
        assertThat(login.filters()).extracting(use -> ((GatewayConfig.InlineFilter) use).type()).containsExactly("cors", "jwt");
        GatewayConfig.InlineFilter jwt = (GatewayConfig.InlineFilter) login.filters().get(1);
        assertThat(jwt.config().getString("issuer")).isEqualTo("x");
        assertThat(jwt.config().has("name")).isFalse();
        assertThat(jwt.config().path()).isEqualTo("gateway.routes[0].filters[1]");
        GatewayConfig.Route ws = config.routes().get(1);
        assertThat(ws.id()).isEqualTo("1");
        assertThat(ws.target().name()).isEqualTo("hub");
        assertThat(ws.target().config().getStringList("subscribe")).containsExactly("simulation:{id}");
        assertThat(ws.hosts()).containsExactly("*.example.com");
        assertThat(ws.headers()).containsEntry("X-Version", "2");
        GatewayConfig.Service auth = config.services().get("auth");
        assertThat(auth.instances()).hasSize(2);
        assertThat(auth.instances().get(1).weight()).isEqualTo(3);
        assertThat(auth.instances().get(1).metadata()).containsEntry("zone", "b");
        assertThat(auth.backendConfig().has("instances")).isFalse();
        assertThat(auth.backendConfig().name()).isEqualTo("auth");
    }

    @Test
    void routeMistakesNameTheRoute() {
        assertThatThrownBy(() -> read("gateway.routes = [ { path = \"/x\" } ]"))
                .hasMessageContaining("gateway.routes[0]")
                .hasMessageContaining("exactly one of service");
        assertThatThrownBy(() -> read("gateway.routes = [ { path = \"x\", endpoint = hub } ]"))
                .hasMessageContaining("gateway.routes[0].path")
                .hasMessageContaining("must start with /");
        assertThatThrownBy(() -> read("""
                gateway.services { orders { backend = http, instances = ["http://127.0.0.1:1"] } }
                gateway.routes = [ { path = "/x", service = ordres } ]
                """))
                .hasMessageContaining("gateway.routes[0].service")
                .hasMessageContaining("unknown service 'ordres'")
                .hasMessageContaining("did you mean 'orders'");
        assertThatThrownBy(() -> read("gateway.routes = [ { path = \"/x\", endpoint = hub, mehtods = [GET] } ]"))
                .hasMessageContaining("gateway.routes[0].mehtods")
                .hasMessageContaining("did you mean 'methods'");
        assertThatThrownBy(() -> read("gateway.routes = [ { path = \"/x\", endpoint = hub, methods = [FETCH] } ]"))
                .hasMessageContaining("unknown HTTP method FETCH");
        assertThatThrownBy(() -> read("gateway.routes = [ { id = a, path = \"/x\", endpoint = hub }, { id = a, path = \"/y\", endpoint = hub } ]"))
                .hasMessageContaining("duplicate route id 'a'");
    }

    @Test
    void serviceMistakesNameTheService() {
        assertThatThrownBy(() -> read("gateway.services { auth { backend = http } }"))
                .hasMessageContaining("gateway.services.auth.instances")
                .hasMessageContaining("list at least one instance");
        assertThatThrownBy(() -> read("gateway.services { auth { backend = http, instances = [\"ftp://x:1\"] } }"))
                .hasMessageContaining("gateway.services.auth.instances[0]")
                .hasMessageContaining("must start with http://");
        assertThatThrownBy(() -> read("gateway.services { auth { backend = http, instances = [\"http://x:1/api\"] } }"))
                .hasMessageContaining("must not have a path");
        assertThatThrownBy(() -> read("gateway.services { auth { instances = [\"http://x:1\"] } }"))
                .hasMessageContaining("gateway.services.auth.backend")
                .hasMessageContaining("missing required setting");
    }

    @Test
    void pluginSettingsAreSeparatedFromRuntimeSwitches() {
        GatewayConfig config = read("gateway.plugins { directory = \"/x/plugins\", example { required = true, greeting = hi }, other { enabled = false } }");
        assertThat(config.plugins().directory()).isEqualTo(Path.of("/x/plugins"));
        GatewayConfig.PluginSettings example = config.plugins().settingsOf("example");
        assertThat(example.required()).isTrue();
        assertThat(example.enabled()).isTrue();
        assertThat(example.config().keys()).containsExactly("greeting");
        assertThat(config.plugins().settingsOf("other").enabled()).isFalse();
        assertThat(config.plugins().settingsOf("unconfigured").enabled()).isTrue();
    }

    @Test
    void localEventHistoryRules() {
        GatewayConfig config = read("gateway.events.local.history = [ { channels = \"simulation:*\", size = 10, ttl = 1m } ]");
        assertThat(config.events().localHistory()).hasSize(1);
        assertThat(config.events().localHistory().get(0).channels().matches("simulation:42")).isTrue();
        assertThat(config.events().localHistory().get(0).size()).isEqualTo(10);
        assertThat(config.events().localMaxHistoryChannels()).as("the default in reference.conf").isEqualTo(10_000);
        assertThat(read("gateway.events.local.max-history-channels = 50").events().localMaxHistoryChannels()).isEqualTo(50);
        assertThatThrownBy(() -> read("gateway.events.local.max-history-channels = 0"))
                .hasMessageContaining("gateway.events.local.max-history-channels")
                .hasMessageContaining("must be between 1 and 10000000");
        assertThatThrownBy(() -> read("gateway.events.local.history = [ { channel = \"x\" } ]"))
                .hasMessageContaining("gateway.events.local.history[0].channel")
                .hasMessageContaining("did you mean 'channels'");
        assertThatThrownBy(() -> read("gateway.events.local.history = [ { channels = \"\" } ]"))
                .hasMessageContaining("gateway.events.local.history[0].channels")
                .hasMessageContaining("must not be empty");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> read("gateway {\n  server {\n    http { port = 80 \n}"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("String: 4")
                .hasMessageContaining("end of file");
    }
}
