package dev.tollgate.runtime;

import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Configuration reload: the new configuration is validated whole before anything changes; an
 * invalid one never replaces the running one; a valid one is swapped in atomically, keeping every
 * component whose configuration did not change (with its state) and draining the replaced ones
 * before they close. Through a running gateway and real sockets.
 */
class ReloadTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path home;

    private static HttpResponse<String> get(TestGateway gateway, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(gateway.http(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesAreAddedAndRemoved() throws Exception {
        try (TestGateway gateway = TestGateway.start("routes = [ { path = \"/a\", endpoint = test-echo } ]")) {
            assertThat(get(gateway, "/b").statusCode()).isEqualTo(404);

            ReloadResult added = gateway.reload("""
                    routes = [ { path = "/a", endpoint = test-echo }, { path = "/b", endpoint = test-echo } ]
                    """);
            assertThat(added.applied()).as(added.message()).isTrue();
            assertThat(added.generation()).isEqualTo(2);
            assertThat(get(gateway, "/b").statusCode()).isEqualTo(200);

            ReloadResult removed = gateway.reload("routes = [ { path = \"/b\", endpoint = test-echo } ]");
            assertThat(removed.applied()).isTrue();
            assertThat(gateway.gateway().generation()).isEqualTo(3);
            assertThat(get(gateway, "/a").statusCode()).isEqualTo(404);
            assertThat(get(gateway, "/b").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anInvalidConfigurationIsKeptOutAndShownOnHealth() throws Exception {
        try (TestGateway gateway = TestGateway.start("routes = [ { path = \"/a\", endpoint = test-echo } ]")) {
            ReloadResult unknown = gateway.reload("routes = [ { path = \"/a\", endpoint = test-ehco } ]");
            assertThat(unknown.applied()).isFalse();
            assertThat(unknown.generation()).isEqualTo(1);
            assertThat(unknown.message()).contains("unknown endpoint 'test-ehco'").contains("gateway.routes[0]");

            ReloadResult typo = gateway.reload("routes = [ { path = \"/a\", endpoint = test-echo, metods = [GET] } ]");
            assertThat(typo.applied()).isFalse();
            assertThat(typo.message()).contains("gateway.routes[0].metods").contains("did you mean");

            assertThat(get(gateway, "/a").statusCode()).as("the running configuration serves on").isEqualTo(200);
            assertThat(gateway.gateway().generation()).isEqualTo(1);
            Health reload = gateway.gateway().health().report().components().get("reload");
            assertThat(reload.status()).isEqualTo(Health.Status.DEGRADED);
            assertThat(reload.details()).containsEntry("outcome", "refused").containsEntry("generation", 1L);
            assertThat((String) reload.details().get("message")).contains("invalid configuration");
            HttpResponse<String> health = get(gateway, "/health");
            assertThat(health.statusCode()).as("a refused reload does not make the gateway unready").isEqualTo(200);
            assertThat(health.body()).contains("\"reload\"").contains("refused");

            ReloadResult fixed = gateway.reload("routes = [ { path = \"/a\", endpoint = test-echo } ]");
            assertThat(fixed.applied()).isTrue();
            assertThat(gateway.gateway().health().report().components().get("reload").status()).isEqualTo(Health.Status.UP);
        }
    }

    @Test
    void unchangedComponentsAreKeptWithTheirStateAndChangedOnesDrainThenClose() throws Exception {
        String filters = "filters { counter { type = test-counted, value = kept-1, shared = kept-shared-1 } }\n";
        try (TestGateway gateway = TestGateway.start(filters + """
                routes = [ { path = "/a", endpoint = test-echo, filters = [ counter ] } ]
                """)) {
            assertThat(get(gateway, "/a").headers().firstValue("X-Counted")).hasValue("kept-1:1:1");

            gateway.reload(filters + """
                    routes = [ { path = "/a", endpoint = test-echo, filters = [ counter ] }, { path = "/b", endpoint = test-echo, filters = [ counter ] } ]
                    """);
            assertThat(TestPlugin.countedCreated("kept-1")).as("the unchanged filter is kept").isEqualTo(1);
            assertThat(get(gateway, "/b").headers().firstValue("X-Counted")).as("with its state").hasValue("kept-1:2:2");

            // A changed filter is created anew; the plugin-wide resource it shares with the old one is handed over.
            gateway.reload("""
                    filters { counter { type = test-counted, value = kept-2, shared = kept-shared-1 } }
                    routes = [ { path = "/a", endpoint = test-echo, filters = [ counter ] } ]
                    """);
            assertThat(get(gateway, "/a").headers().firstValue("X-Counted")).hasValue("kept-2:1:3");
            await().atMost(WAIT).until(() -> TestPlugin.countedClosed("kept-1") == 1);
            assertThat(TestPlugin.sharedCreated("kept-shared-1")).isEqualTo(1);
            assertThat(TestPlugin.sharedClosed("kept-shared-1")).isZero();
        }
        assertThat(TestPlugin.countedClosed("kept-2")).isEqualTo(1);
        assertThat(TestPlugin.sharedClosed("kept-shared-1")).isEqualTo(1);
    }

    @Test
    void anExchangeInFlightFinishesOnTheGenerationItStartedOn() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                routes = [ { path = "/slow", endpoint = { name = test-gate, gate = reload-drain },
                             filters = [ { type = test-counted, value = drained-1 } ] } ]
                """)) {
            CompletableFuture<HttpResponse<String>> slow = CLIENT.sendAsync(HttpRequest.newBuilder(gateway.http("/slow")).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(WAIT).until(() -> TestPlugin.gate("reload-drain").arrived() == 1);

            ReloadResult result = gateway.reload("routes = [ { path = \"/other\", endpoint = test-echo } ]");
            assertThat(result.applied()).isTrue();
            assertThat(get(gateway, "/slow").statusCode()).as("new requests see the new routes").isEqualTo(404);
            assertThat(TestPlugin.countedClosed("drained-1")).as("the old filter waits for its exchange").isZero();
            assertThat(gateway.gateway().health().report().components().get("reload").details()).containsKey("draining");

            TestPlugin.gate("reload-drain").open();
            HttpResponse<String> response = slow.get(10, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Counted")).hasValue("drained-1:1:1");
            await().atMost(WAIT).until(() -> TestPlugin.countedClosed("drained-1") == 1);
        }
    }

    @Test
    void serviceInstancesChangeInPlace() throws Exception {
        try (BackendServer first = BackendServer.start("first");
             BackendServer second = BackendServer.start("second");
             TestGateway gateway = TestGateway.start(service(first))) {
            assertThat(get(gateway, "/svc/x").body()).isEqualTo("first");
            var upstream = gateway.gateway().platform();
            ReloadResult result = gateway.reload(service(second));
            assertThat(result.applied()).isTrue();
            assertThat(get(gateway, "/svc/x").body()).isEqualTo("second");
            assertThat(upstream).isSameAs(gateway.gateway().platform());
            Health health = gateway.gateway().health().report().components().get("upstream.svc");
            assertThat(health.details().get("members").toString()).contains("127.0.0.1:" + second.port()).doesNotContain(":" + first.port() + "=");
        }
    }

    private static String service(BackendServer instance) {
        return """
                services { svc { backend = test-upstream, instances = ["%s"] } }
                routes = [ { path = "/svc/**", service = svc } ]
                """.formatted(instance.url());
    }

    @Test
    void newPluginJarsAreLoadedAndChangedOnesNeedARestart() throws Exception {
        Path plugins = Files.createDirectories(home.resolve("plugins.d"));
        try (TestGateway gateway = TestGateway.builder().home(home).config("routes = [ { path = \"/a\", endpoint = test-echo } ]").start()) {
            ReloadResult unknown = gateway.reload("routes = [ { path = \"/compat\", endpoint = compat-greeting } ]");
            assertThat(unknown.applied()).isFalse();
            assertThat(unknown.message()).contains("unknown endpoint 'compat-greeting'");

            try (InputStream jar = getClass().getResourceAsStream("/compat/gateway-plugin-compat-1.1-1.0.0.jar")) {
                Files.copy(jar, plugins.resolve("gateway-plugin-compat-1.1-1.0.0.jar"));
            }
            ReloadResult added = gateway.reload("routes = [ { path = \"/compat\", endpoint = compat-greeting } ]");
            assertThat(added.applied()).as(added.message()).isTrue();
            assertThat(added.notes()).isEmpty();
            assertThat(get(gateway, "/compat").statusCode()).isEqualTo(200);
            assertThat(gateway.gateway().plugins()).anyMatch(plugin -> plugin.id().equals("compat") && plugin.isLoaded());

            Files.writeString(plugins.resolve("gateway-plugin-compat-1.1-1.0.0.jar"), "changed", java.nio.file.StandardOpenOption.APPEND);
            ReloadResult changed = gateway.reload("routes = [ { path = \"/compat\", endpoint = compat-greeting } ]");
            assertThat(changed.applied()).isTrue();
            assertThat(changed.notes()).singleElement().asString().contains("gateway-plugin-compat-1.1-1.0.0.jar changed on disk");
            assertThat(get(gateway, "/compat").statusCode()).as("the loaded version serves on").isEqualTo(200);
        }
    }

    @Test
    void whatOnlyARestartChangesIsNamed() throws Exception {
        try (TestGateway gateway = TestGateway.start("routes = [ { path = \"/a\", endpoint = test-echo } ]")) {
            ReloadResult result = gateway.reload("""
                    server.limits.idle-timeout = 30s
                    events.local.history = [ { channels = "x:*" } ]
                    routes = [ { path = "/a", endpoint = test-echo } ]
                    """);
            assertThat(result.applied()).isTrue();
            assertThat(result.notes()).anyMatch(note -> note.contains("gateway.server.limits"))
                    .anyMatch(note -> note.contains("gateway.events"));
            assertThat(gateway.gateway().health().report().components().get("reload").details()).containsKey("needsRestart");
        }
    }

    @Test
    void theConfigurationFileIsReadAgainAndWatchedWhenAsked() throws Exception {
        Path file = home.resolve("gateway.conf");
        String defaults = """
                gateway.server { host = "127.0.0.1", http.port = 0, https.enabled = false, management.port = 0 }
                gateway.reload.watch = true
                """;
        Files.writeString(file, defaults + "gateway.routes = [ { path = \"/a\", endpoint = test-echo } ]\n");
        try (Gateway gateway = Gateway.builder().home(home).configFile(file).plugin("test", "test", new TestPlugin()).start()) {
            TestGateway.await200(gateway, "/a");

            Files.writeString(file, defaults + "gateway.routes = [ { path = \"/a\", endpoint = test-echo } ");
            ReloadResult syntax = gateway.reload().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(syntax.applied()).isFalse();
            assertThat(syntax.message()).contains("gateway.conf");

            // The watch applies a fixed file without being asked.
            Files.writeString(file, defaults + "gateway.routes = [ { path = \"/b\", endpoint = test-echo } ]\n");
            await().atMost(WAIT).until(() -> gateway.generation() == 2);
            TestGateway.await200(gateway, "/b");
        }
    }

    @Test
    void theOutcomeIsWrittenForTheCommandLine() throws Exception {
        try (TestGateway gateway = TestGateway.builder().home(home).config("routes = []").start()) {
            gateway.reload("routes = [ { path = \"/a\", endpoint = nothing-like-it } ]");
            assertThat(ReloadStatusFile.read(home.resolve("data"))).hasValueSatisfying(result -> {
                assertThat(result.applied()).isFalse();
                assertThat(result.message()).contains("nothing-like-it");
            });
            gateway.reload("routes = [ { path = \"/a\", endpoint = test-echo } ]");
            assertThat(ReloadStatusFile.read(home.resolve("data"))).hasValueSatisfying(result -> {
                assertThat(result.applied()).isTrue();
                assertThat(result.generation()).isEqualTo(2);
            });
        }
    }
}
