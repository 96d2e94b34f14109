package dev.tollgate.plugin.websockethub;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static dev.tollgate.plugin.websockethub.HubGateways.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub as {@code conf/gateway.conf} ships it: its permissions and its hub routes, as they are
 * in that file. Anonymous clients get what the demo needs ({@code demo:*}, the simulation route)
 * and nothing else.
 */
class HubShippedConfigurationTest {
    private static final Path SHIPPED = Path.of("../../conf/gateway.conf");

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        assertThat(SHIPPED).exists();
        Config shipped = ConfigFactory.parseString(Files.readString(SHIPPED)).resolve().getConfig("gateway");
        String hubRoutes = shipped.getList("routes").stream()
                .filter(route -> route.render(ConfigRenderOptions.concise()).contains("hub"))
                .map(HubShippedConfigurationTest::render)
                .collect(Collectors.joining("\n"));
        assertThat(hubRoutes).contains("/ws/simulation/{id}");
        gateway = HubGateways.start("plugins.websocket-hub " + render(shipped.getValue("plugins.websocket-hub"))
                + "\nroutes = [\n" + hubRoutes + "\n]");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void anonymousClientsGetTheDemoChannels() {
        String channel = unique("demo:");
        try (HubClient first = HubClient.connect(gateway, "/ws");
             HubClient second = HubClient.connect(gateway, "/ws")) {
            first.next("subscribed");
            second.next("subscribed");
            first.subscribe(channel);
            second.request("{\"type\":\"publish\",\"channel\":\"" + channel + "\",\"data\":\"hello\"}", "published");
            assertThat(first.next("message").path("data").asText()).isEqualTo("hello");
        }
        try (HubClient simulation = HubClient.connect(gateway, "/ws/simulation/42")) {
            assertThat(simulation.next("subscribed").path("channel").asText()).isEqualTo("simulation:42");
        }
    }

    @Test
    void anonymousClientsGetNothingElse() {
        try (HubClient client = HubClient.connect(gateway, "/ws")) {
            client.next("subscribed");
            for (String channel : new String[] {"news", "orders:1", "tollgate:services:orders:changes", "__keyspace@0__:tollgate:services:orders"}) {
                JsonNode error = client.request("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}", "error");
                assertThat(error.path("code").asText()).as(channel).isEqualTo("FORBIDDEN");
            }
            JsonNode error = client.request("{\"type\":\"publish\",\"channel\":\"simulation:42\",\"data\":1}", "error");
            assertThat(error.path("code").asText()).isEqualTo("FORBIDDEN");
        }
    }

    private static String render(ConfigValue value) {
        return value.render(ConfigRenderOptions.concise());
    }
}
