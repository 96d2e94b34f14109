package dev.tollgate.runtime.event;

import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An event bridge that fails to start does not fall back silently: the gateway runs on the
 * in-memory bus, says so on /health, and is not ready — unless its plugin is optional, when it is
 * ready and DEGRADED.
 */
class BridgeFallbackTest {

    @Test
    void aBridgeThatFailsToStartMakesTheGatewayNotReady() throws Exception {
        try (TestGateway gateway = TestGateway.start("events.bridge = test-broken-bridge")) {
            Health events = gateway.gateway().health().report().components().get("events");
            assertThat(events.status()).isEqualTo(Health.Status.DOWN);
            assertThat(events.details()).containsEntry("bridge", "local (fallback)").containsEntry("configured", "test-broken-bridge");
            assertThat(gateway.gateway().health().report().ready()).isFalse();
            assertThat(gateway.gateway().eventBus()).isInstanceOf(InMemoryEventBus.class);
        }
    }

    @Test
    void anOptionalBridgeThatFailsLeavesTheGatewayReadyAndDegraded() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                events.bridge = test-broken-bridge
                plugins.test.optional = true
                """)) {
            assertThat(gateway.gateway().health().report().components().get("events").status()).isEqualTo(Health.Status.DEGRADED);
            assertThat(gateway.gateway().health().report().ready()).isTrue();
        }
    }
}
