package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.http.EndpointFactory;
import dev.tollgate.runtime.event.InMemoryEventBus;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The documented defaults, and bad values refused with the path of their key. */
class HubConfigurationTest {
    private static final ClassLoader LOADER = WebSocketHubPlugin.class.getClassLoader();
    private final EndpointFactory factory = new WebSocketHubPlugin().endpointFactories().iterator().next();

    @Test
    void pluginDefaultsAreAsDocumented() {
        PluginConfig settings = plugin("");
        assertThat(settings.getInt("max-connections")).isEqualTo(10000);
        assertThat(settings.getInt("max-connections-per-user")).isZero();
        assertThat(settings.getBytes("queue-budget")).isEqualTo(256L * 1024 * 1024);
        assertThat(settings.getBytes("queue-reservation")).isEqualTo(8L * 1024);
        assertThat(settings.getString("broadcast-channel")).isEqualTo("broadcast");
        assertThat(settings.getString("user-channel-prefix")).isEqualTo("user:");
        assertThat(settings.getInt("max-channel-length")).isEqualTo(256);
        assertThat(settings.getStringList("reserved-channels")).isEmpty();
        assertThat(settings.getConfigList("channels")).isEmpty();
        PluginConfig defaults = settings.getConfig("channel-defaults");
        assertThat(defaults.getBoolean("binary")).isFalse();
        assertThat(defaults.getBoolean("presence")).isFalse();
        assertThat(defaults.getString("slow-consumer")).isEqualTo("close");
        assertThat(defaults.getInt("close-code")).isEqualTo(1013);
        assertThat(settings.getConfigList("permissions")).hasSize(2);
        assertThat(settings.getConfigList("permissions").get(0).getString("channels")).isEqualTo("user:{user}");
        PluginConfig fanOut = settings.getConfig("fan-out");
        assertThat(fanOut.getInt("lanes")).isZero();
        assertThat(fanOut.getInt("chunk-size")).isEqualTo(512);
        assertThat(fanOut.getInt("queue-messages")).isEqualTo(32768);
        assertThat(fanOut.getBytes("queue-bytes")).isEqualTo(64L * 1024 * 1024);
        assertThat(fanOut.getInt("inline-limit")).isZero();
    }

    @Test
    void routeDefaultsAreAsDocumented() {
        PluginConfig route = route("");
        assertThat(route.getStringList("subscribe")).isEmpty();
        assertThat(route.getBoolean("client-subscriptions")).isTrue();
        assertThat(route.getInt("max-subscriptions")).isEqualTo(64);
        assertThat(route.getBytes("max-message-size")).isEqualTo(64 * 1024);
        assertThat(route.getInt("max-messages-per-second")).isEqualTo(100);
        assertThat(route.getInt("max-publishes-in-flight")).isEqualTo(16);
        assertThat(route.getBytes("max-queued-bytes")).isEqualTo(1024 * 1024);
        assertThat(route.getInt("max-queued-messages")).isEqualTo(1024);
        assertThat(route.getDuration("idle-timeout")).isEqualTo(Duration.ofSeconds(60));
        assertThat(route.getDuration("ping-interval")).isEqualTo(Duration.ofSeconds(25));
        assertThat(route.getBoolean("permessage-deflate")).isFalse();
        PluginConfig auth = route.getConfig("auth");
        assertThat(auth.getBoolean("first-message")).isFalse();
        assertThat(auth.getDuration("timeout")).isEqualTo(Duration.ofSeconds(5));
        assertThat(auth.getString("header")).isEqualTo("Authorization");
        assertThat(auth.getString("scheme")).isEqualTo("Bearer");
        assertThat(auth.getDuration("expiry-warning")).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void unknownKeysAreRefusedWithTheirPath() {
        assertThatThrownBy(() -> route("subscibe = [x]"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.endpoints.hub.subscibe")
                .hasMessageContaining("did you mean 'subscribe'");
        assertThatThrownBy(() -> plugin("channel-defaults { slow = close }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.plugins.websocket-hub.channel-defaults.slow");
        // List entries are checked by the hub itself.
        assertThatThrownBy(() -> createWith("permissions = [ { channels = \"*\", subscrbe = true } ]", ""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.plugins.websocket-hub.permissions[0].subscrbe")
                .hasMessageContaining("unknown setting");
        assertThatThrownBy(() -> createWith("channels = [ { channels = \"a:*\", binary = true, presense = true } ]", ""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.plugins.websocket-hub.channels[0].presense");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "max-connections = 0 | | plugins.websocket-hub.max-connections | at least 1",
            "queue-budget = 0 | | plugins.websocket-hub.queue-budget | positive",
            "queue-reservation = 0 | | plugins.websocket-hub.queue-reservation | positive",
            "queue-budget = 1MiB, queue-reservation = 2MiB | | plugins.websocket-hub.queue-reservation | at most queue-budget",
            "channel-defaults.slow-consumer = sometimes | | plugins.websocket-hub.channel-defaults.slow-consumer | close or drop-oldest",
            "channel-defaults.close-code = 1000 | | plugins.websocket-hub.channel-defaults.close-code | 1013",
            "channels = [ { channels = \"a:*\", close-code = 1001 } ] | | plugins.websocket-hub.channels[0].close-code | 1008",
            "channels = [ { binary = true } ] | | plugins.websocket-hub.channels[0].channels | missing",
            "channels = [ { channels = \"{user}:*\" } ] | | plugins.websocket-hub.channels[0].channels | not allowed here",
            "permissions = [ { channels = \"a:{id}\" } ] | | plugins.websocket-hub.permissions[0].channels | only placeholder is {user}",
            "permissions = [ { channels = \"*\", roles = [admin], anonymous = true } ] | | plugins.websocket-hub.permissions[0].anonymous | no roles",
            "permissions = [ { channels = \"user:{user}\", anonymous = true } ] | | plugins.websocket-hub.permissions[0].anonymous | no user",
            "broadcast-channel = \"$presence:x\" | | plugins.websocket-hub.broadcast-channel | reserved",
            "broadcast-channel = \"tollgate:all\" | | plugins.websocket-hub.broadcast-channel | reserved for the gateway",
            "reserved-channels = [ \"internal:{user}\" ] | | plugins.websocket-hub.reserved-channels | not allowed here",
            "fan-out.lanes = -1 | | plugins.websocket-hub.fan-out.lanes | between 0 and 256",
            "fan-out.chunk-size = 0 | | plugins.websocket-hub.fan-out.chunk-size | between 1 and",
            "fan-out.queue-messages = 0 | | plugins.websocket-hub.fan-out.queue-messages | between 1 and",
            "fan-out.queue-bytes = 10 | | plugins.websocket-hub.fan-out.queue-bytes | between 1KiB and 16GiB",
            "fan-out.inline-limit = -1 | | plugins.websocket-hub.fan-out.inline-limit | between 0 and",
            " | subscribe = [ \"simulation:{\" ] | endpoints.hub.subscribe | unclosed",
            " | subscribe = [ \"a\", \"b\" ], max-subscriptions = 1 | endpoints.hub.max-subscriptions | number of channels in subscribe",
            " | idle-timeout = 0s | endpoints.hub.idle-timeout | positive",
            " | idle-timeout = 20s, ping-interval = 20s | endpoints.hub.ping-interval | shorter than idle-timeout",
            " | max-queued-messages = 0 | endpoints.hub.max-queued-messages | at least 1",
            " | max-messages-per-second = 0 | endpoints.hub.max-messages-per-second | between 1 and",
            " | max-publishes-in-flight = 0 | endpoints.hub.max-publishes-in-flight | between 1 and",
            " | max-queued-bytes = 512MiB | endpoints.hub.max-queued-bytes | queue-budget",
            " | auth.timeout = 0s | endpoints.hub.auth.timeout | positive",
            " | auth.header = \"X Token\" | endpoints.hub.auth.header | HTTP header name",
            " | auth.expiry-warning = -1s | endpoints.hub.auth.expiry-warning | not be negative",
            " | auth.scheme = \"Bearer:\" | endpoints.hub.auth.scheme | authentication scheme",
    })
    void badValuesAreRefusedNamingTheirKey(String pluginSettings, String routeSettings, String key, String problem) {
        assertThatThrownBy(() -> createWith(pluginSettings == null ? "" : pluginSettings, routeSettings == null ? "" : routeSettings))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test." + key)
                .hasMessageContaining(problem);
    }

    private void createWith(String pluginSettings, String routeSettings) throws Exception {
        try (TestingPluginContext context = new TestingPluginContext("websocket-hub", plugin(pluginSettings), new InMemoryEventBus())) {
            factory.create(route(routeSettings), context).close();
        }
    }

    private static PluginConfig plugin(String hocon) {
        return TestingPluginContext.componentConfig(LOADER, "plugins.websocket-hub", "websocket-hub", hocon);
    }

    private static PluginConfig route(String hocon) {
        return TestingPluginContext.componentConfig(LOADER, "endpoints.hub", "hub", hocon);
    }
}
