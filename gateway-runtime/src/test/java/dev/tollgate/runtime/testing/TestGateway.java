package dev.tollgate.runtime.testing;

import dev.tollgate.api.Plugin;
import dev.tollgate.runtime.Gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
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

    public Path home() {
        return home;
    }

    public URI http(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + gateway.httpPort() + pathAndQuery);
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

        public TestGateway start() throws Exception {
            boolean ownHome = home == null;
            Path directory = ownHome ? Files.createTempDirectory("tollgate-test") : home;
            String text = """
                    gateway {
                      server.host = "127.0.0.1"
                      server.http.port = 0
                      server.https.port = 0
                      server.shutdown-grace-period = 5s
                      plugins.directory = "plugins.d"
                    }
                    gateway {
                    %s
                    }
                    """.formatted(config);
            Gateway.Builder builder = Gateway.builder().home(directory).configText(text);
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
