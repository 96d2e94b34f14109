package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.runtime.testing.TlsRedisServer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code rediss://} connection of {@code gateway.redis} with mutual TLS, against a TLS-only
 * redis-server of the test's own whose certificates a private CA issued: the bridge connects,
 * verifying the server's name, presents its client certificate, and carries events.
 */
class RedisTlsTest {

    @Test
    void carriesEventsOverMutualTls() throws Exception {
        try (TlsRedisServer server = TlsRedisServer.start(List.of("127.0.0.1"), true);
                BridgeInstance instance = BridgeInstance.connected("""
                        address = "%s"
                        tls {
                          trust-store { path = "%s", password = %s }
                          key-store { path = "%s", password = %s }
                        }
                        """.formatted(server.address(), server.trustStore(), TlsRedisServer.STORE_PASSWORD, server.clientKeyStore(),
                        TlsRedisServer.STORE_PASSWORD), "")) {
            assertThat(instance.health().details()).containsEntry("redis", server.address());
            ReceivedEvents received = new ReceivedEvents();
            instance.bridge().subscribe("orders", received);
            instance.awaitSubscribed(1, 0);
            instance.bridge().publish("orders", ByteBuffer.wrap("{\"id\":7}".getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
            assertThat(received.awaitText("{\"id\":7}")).containsExactly("{\"id\":7}");
        }
    }
}
