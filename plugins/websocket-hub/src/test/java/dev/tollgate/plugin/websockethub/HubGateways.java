package dev.tollgate.plugin.websockethub;

import dev.tollgate.api.event.EventBus;
import dev.tollgate.runtime.testing.TestGateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Gateways with the hub and the tests' authentication, and ways to reach their event bus. */
final class HubGateways {
    /**
     * The routes of the plugin's README, channel policies for the tests, and history on
     * {@code history:*} (5 events) and {@code recovery:*} (10000 events).
     */
    static final String STANDARD = """
            plugins.websocket-hub {
              max-connections-per-user = 3
              channels = [
                { channels = "simulation:*", binary = true, slow-consumer = drop-oldest }
                { channels = "collaboration:*", presence = true }
                { channels = "slow-drop:*", slow-consumer = drop-oldest }
              ]
              permissions = [
                { channels = "user:{user}", subscribe = true }
                { channels = "admin:*", roles = [admin], subscribe = true, publish = true, presence = true }
                { channels = "chat:*", subscribe = true, publish = true, presence = true }
                { channels = "*", subscribe = true, presence = true, anonymous = true }
              ]
            }
            events.local.history = [
              { channels = "history:*", size = 5, ttl = 5m }
              { channels = "recovery:*", size = 10000, ttl = 5m }
            ]
            routes = [
              { path = "/ws", endpoint = hub, filters = [ hub-test-auth ] }
              { path = "/ws/simulation/{id}", endpoint = { name = hub, subscribe = ["simulation:{id}"], client-subscriptions = false } }
              { path = "/ws/notifications", endpoint = { name = hub, subscribe = ["user:{user}"] }, filters = [ hub-test-auth ] }
              { path = "/ws/collaboration/{project_id}", endpoint = { name = hub, subscribe = ["collaboration:{project_id}"] }, filters = [ hub-test-auth ] }
              { path = "/ws/history/{name}", endpoint = { name = hub, subscribe = ["history:{name}"] } }
              { path = "/ws/small", endpoint = { name = hub, max-subscriptions = 2, max-queued-messages = 8, max-queued-bytes = 256KiB }, filters = [ hub-test-auth ] }
              { path = "/ws/first-message", endpoint = { name = hub, subscribe = ["user:{user}"], auth { first-message = true, header = X-User, scheme = "" } }, filters = [ hub-test-auth ] }
            ]
            """;

    private HubGateways() {
    }

    static TestGateway start(String config) throws Exception {
        return TestGateway.builder()
                .plugin("websocket-hub", new WebSocketHubPlugin())
                .plugin("hub-test", new HubTestPlugin())
                .config(config)
                .start();
    }

    /** Publishes through the gateway's event bus, as a backend (or another instance) would. */
    static void publish(TestGateway gateway, String channel, String payload) {
        publish(gateway, channel, payload.getBytes(StandardCharsets.UTF_8));
    }

    static void publish(TestGateway gateway, String channel, byte[] payload) {
        EventBus bus = gateway.gateway().eventBus();
        bus.publish(channel, ByteBuffer.wrap(payload)).toCompletableFuture().join();
    }

    /** A channel name no other test uses. */
    static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A counter of the hub's metrics, e.g. {@code slow_consumer_closes}. */
    static long counter(TestGateway gateway, String name, String... labels) {
        return gateway.gateway().metrics().counter("tollgate.websocket_hub", name, labels).getCount();
    }
}
