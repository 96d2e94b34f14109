package dev.tollgate.runtime.testing;

import dev.tollgate.api.Plugin;
import dev.tollgate.runtime.Gateway;
import dev.tollgate.runtime.ReloadResult;
import dev.tollgate.runtime.config.GatewayConfigReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A gateway for tests: ephemeral ports, a temporary home (plugins.d, data, the development
 * certificate), the {@link TestPlugin} and any other class-path plugins, and the configuration
 * given as HOCON text merged over those defaults.
 */
public final class TestGateway implements AutoCloseable {
    private final Gateway gateway;
    private final Path home;
    private final boolean ownHome;

    private TestGateway(Gateway gateway, Path home, boolean ownHome) {
        this.gateway = gateway;
        this.home = home;
        this.ownHome = ownHome;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A gateway with the test plugin and {@code config} (HOCON inside {@code gateway { … }}). */
    public static TestGateway start(String config) throws Exception {
        return builder().config(config).start();
    }

    public Gateway gateway() {
        return gateway;
    }

    /**
     * Reloads the gateway with {@code config} (HOCON inside {@code gateway { … }}, over the same
     * test defaults as {@link Builder#config}) and waits for the outcome.
     */
    public ReloadResult reload(String config) throws Exception {
        return gateway.reload(GatewayConfigReader.parseString(Builder.text(config))).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    public Path home() {
        return home;
    }

    /** Waits until {@code path} answers 200 on the gateway's clear-text port. */
    public static void await200(Gateway gateway, String path) {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> client.send(
                java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    public URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + gateway.httpPort() + pathAndQuery);
    }

    /** A URI on the management listener. */
    public URI management(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + gateway.managementPort() + pathAndQuery);
    }

    public URI https(String pathAndQuery) {
        return URI.create("https://localhost:" + gateway.httpsPort() + pathAndQuery);
    }

    public URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + gateway.httpPort() + pathAndQuery);
    }

    @Override
    public void close() {
        gateway.close();
        if (ownHome) {
            delete(home);
        }
    }

    /** Deletes a directory tree. */
    public static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static final class Builder {
        private String config = "";
        private Path home;
        private final Map<String, Plugin> plugins = new LinkedHashMap<>();

        private Builder() {
            plugins.put("test", new TestPlugin());
        }

        /** HOCON placed inside {@code gateway { … }}, over the test defaults. */
        public Builder config(String gatewayBlock) {
            this.config = gatewayBlock;
            return this;
        }

        /** Use this home (its plugins.d is scanned) instead of a fresh temporary one. */
        public Builder home(Path existing) {
            this.home = existing;
            return this;
        }

        public Builder plugin(String id, Plugin plugin) {
            plugins.put(id, plugin);
            return this;
        }

        /** The whole configuration: the test defaults, then {@code config}. */
        static String text(String config) {
            return """
                    gateway {
                      server.host = "127.0.0.1"
                      server.http.port = 0
                      server.https.port = 0
                      server.shutdown-grace-period = 5s
                      server.shutdown.drain-delay = 0s
                      server.management.port = 0
                      # Tests observe the gateway through /metrics and /health's details on the main port;
                      # the secure defaults themselves are tested in SystemEndpointsTest.
                      system.public { health-details = true, metrics = true }
                      plugins.directory = "plugins.d"
                    }
                    gateway {
                    %s
                    }
                    """.formatted(config);
        }

        public TestGateway start() throws Exception {
            boolean ownHome = home == null;
            Path directory = ownHome ? Files.createTempDirectory("tollgate-test") : home;
            Gateway.Builder builder = Gateway.builder().home(directory).configText(text(config));
            plugins.forEach((id, plugin) -> builder.plugin(id, "test", plugin));
            try {
                return new TestGateway(builder.start(), directory, ownHome);
            }
            catch (Exception | Error e) {
                if (ownHome) {
                    delete(directory);
                }
                throw e;
            }
        }
    }
}
