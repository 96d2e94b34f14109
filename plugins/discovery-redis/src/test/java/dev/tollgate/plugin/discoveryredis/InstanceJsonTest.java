package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.plugin.discoveryredis.internal.InstanceJson;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The instance description of the registry protocol. */
class InstanceJsonTest {

    @Test
    void readsTheDocumentedShape() {
        ServiceInstance instance = InstanceJson.read("orders-1",
                "{\"url\":\"http://10.0.0.5:9000\",\"weight\":3,\"metadata\":{\"zone\":\"a\",\"version\":2,\"canary\":true},\"extra\":[1]}");
        assertThat(instance).isEqualTo(new ServiceInstance("orders-1", URI.create("http://10.0.0.5:9000"), 3,
                Map.of("zone", "a", "version", "2", "canary", "true")));
    }

    @Test
    void weightAndMetadataAreOptional() {
        assertThat(InstanceJson.read("a", "{\"url\":\"h2c://backend.internal:8080\"}"))
                .isEqualTo(new ServiceInstance("a", URI.create("h2c://backend.internal:8080"), 1, Map.of()));
        assertThat(InstanceJson.read("a", "{\"url\":\"https://backend:8443\",\"weight\":null,\"metadata\":null}").weight()).isEqualTo(1);
    }

    @Test
    void writesWhatItReadsWithSortedMetadata() {
        ServiceInstance instance = new ServiceInstance("b", URI.create("http://10.0.0.6:9000"), 2, Map.of("zone", "b", "app", "orders"));
        String json = InstanceJson.write(instance);
        assertThat(json).isEqualTo("{\"url\":\"http://10.0.0.6:9000\",\"weight\":2,\"metadata\":{\"app\":\"orders\",\"zone\":\"b\"}}");
        assertThat(InstanceJson.read("b", json)).isEqualTo(instance);
    }

    @Test
    void refusesMalformedDescriptionsSayingWhy() {
        assertProblem("not json", "not JSON");
        assertProblem("[1,2]", "not a JSON object");
        assertProblem("{\"weight\":1}", "\"url\" is missing or not a string");
        assertProblem("{\"url\":5}", "\"url\" is missing or not a string");
        assertProblem("{\"url\":\"10.0.0.5:9000\"}", "needs a scheme and a host");
        assertProblem("{\"url\":\"http://bad host\"}", "is not a URL");
        assertProblem("{\"url\":\"http://a:1\",\"weight\":0}", "\"weight\" must be a whole number of at least 1");
        assertProblem("{\"url\":\"http://a:1\",\"weight\":1.5}", "\"weight\" must be a whole number");
        assertProblem("{\"url\":\"http://a:1\",\"weight\":\"2\"}", "\"weight\" must be a whole number");
        assertProblem("{\"url\":\"http://a:1\",\"weight\":99999999999}", "\"weight\" must be a whole number");
        assertProblem("{\"url\":\"http://a:1\",\"metadata\":[\"a\"]}", "\"metadata\" must be an object of strings");
        assertProblem("{\"url\":\"http://a:1\",\"metadata\":{\"zone\":{\"a\":1}}}", "\"metadata\".\"zone\" must be a string");
    }

    private static void assertProblem(String json, String problem) {
        assertThatThrownBy(() -> InstanceJson.read("x", json)).as(json)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(problem);
    }
}
