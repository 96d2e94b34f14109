package dev.tollgate.runtime.upstream;

import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestDiscovery;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;

import static dev.tollgate.runtime.upstream.UpstreamTesting.answers;
import static dev.tollgate.runtime.upstream.UpstreamTesting.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A service fed by a discovery plugin follows its updates live; a bad discovery reference stops start-up. */
class DiscoveryWiringTest {

    private static ServiceInstance instance(BackendServer backend) {
        return new ServiceInstance(backend.name(), URI.create(backend.url()), 1, java.util.Map.of());
    }

    @Test
    void instancesFollowTheDiscoverySource() throws Exception {
        try (BackendServer a = BackendServer.start("a"); BackendServer b = BackendServer.start("b");
             TestGateway gateway = TestGateway.start("""
                     discovery { test-discovery {} }
                     services { found { backend = test-upstream, discovery = test-discovery } }
                     routes = [ { path = "/svc/**", service = found } ]
                     """)) {
            HttpResponse<String> none = get(gateway, "/svc/x", null);
            assertThat(none.statusCode()).isEqualTo(503);
            assertThat(none.body()).contains("service 'found' has no instances (from discovery 'test-discovery')");

            TestDiscovery.publish("found", List.of(instance(a)));
            assertThat(answers(gateway, 4)).containsOnly("a");
            TestDiscovery.publish("found", List.of(instance(a), instance(b)));
            assertThat(answers(gateway, 4)).containsOnly("a", "b").contains("a", "b");
            TestDiscovery.publish("found", List.of(instance(b)));
            assertThat(answers(gateway, 4)).containsOnly("b");
            assertThat(UpstreamTesting.health(gateway)).contains("\"upstream.found\":{\"status\":\"UP\"", "\"instances\":1");
        }
    }

    @Test
    void anUndeclaredOrUnknownDiscoverySourceStopsStartUp() {
        assertThatThrownBy(() -> TestGateway.start("""
                services { found { backend = test-upstream, discovery = test-discovery } }
                """)).hasMessageContaining("gateway.services.found.discovery").hasMessageContaining("declare it under gateway.discovery");
        assertThatThrownBy(() -> TestGateway.start("""
                discovery { consul {} }
                services { found { backend = test-upstream, discovery = consul } }
                """)).hasMessageContaining("gateway.discovery.consul").hasMessageContaining("no discovery plugin offers 'consul'");
    }
}
