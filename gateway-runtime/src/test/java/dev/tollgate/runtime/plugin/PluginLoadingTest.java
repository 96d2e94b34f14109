package dev.tollgate.runtime.plugin;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestJars;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real plugin jars in a real plugins.d: class-loader isolation, compatibility checks, failures
 * that are reported instead of fatal, and required plugins.
 */
class PluginLoadingTest {
    private Path home;

    @BeforeEach
    void createHome() throws IOException {
        home = Files.createTempDirectory("tollgate-plugins-test");
    }

    @AfterEach
    void deleteHome() throws IOException {
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** A "library" that exists in two incompatible versions, with the same class name. */
    private static String library(String version) {
        return """
                package com.example.lib;
                public final class Greeting {
                    public static String version() { return "%s"; }
                }
                """.formatted(version);
    }

    /** A plugin with a filter that reports the library version and class loader it sees. */
    private static String greetingPlugin(String pkg, String filterName) {
        return """
                package %1$s;
                import dev.tollgate.api.*;
                import dev.tollgate.api.http.*;
                import java.util.List;
                public final class GreetingPlugin implements Plugin {
                    @Override public Iterable<FilterFactory> filterFactories() {
                        return List.of(new FilterFactory() {
                            @Override public String name() { return "%2$s"; }
                            @Override public Filter create(PluginConfig config, PluginContext context) {
                                String prefix = config.getString("prefix");
                                return (exchange, chain) -> {
                                    String loader = String.valueOf(Thread.currentThread().getContextClassLoader());
                                    boolean seesJetty;
                                    try { Class.forName("org.eclipse.jetty.server.Server"); seesJetty = true; }
                                    catch (ClassNotFoundException e) { seesJetty = false; }
                                    String report = prefix + com.example.lib.Greeting.version() + " " + loader + " jetty=" + seesJetty;
                                    return chain.proceed(exchange).thenRun(() -> exchange.response().headers().add("X-%2$s", report));
                                };
                            }
                        });
                    }
                }
                """.formatted(pkg, filterName);
    }

    private Path pluginJar(String fileName, String id, String apiVersion, String pkg, String filterName, String libraryVersion) {
        return TestJars.builder()
                .source("com.example.lib.Greeting", library(libraryVersion))
                .source(pkg + ".GreetingPlugin", greetingPlugin(pkg, filterName))
                .plugin(id, "2.3.4", apiVersion, pkg + ".GreetingPlugin")
                .resource("reference.conf", "tollgate.filters." + filterName + " { prefix = \"v\" }\n")
                .writeTo(home.resolve("plugins.d").resolve(fileName));
    }

    @Test
    void twoPluginsBundlingDifferentVersionsOfOneLibraryBothWork() throws Exception {
        pluginJar("alpha.jar", "alpha", "1.0", "com.example.alpha", "greet-alpha", "1");
        pluginJar("beta.jar", "beta", "1.0", "com.example.beta", "greet-beta", "2");
        try (TestGateway gateway = TestGateway.builder().home(home).config("""
                routes = [ { path = "/x", endpoint = test-echo, filters = [ greet-alpha, { name = greet-beta, prefix = "version " } ] } ]
                """).start()) {
            assertThat(gateway.gateway().plugins()).extracting(LoadedPlugin::id).contains("alpha", "beta");
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.http("/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            // Each plugin sees its own copy of com.example.lib.Greeting, runs under its own class
            // loader, and cannot see the gateway's Jetty.
            assertThat(response.headers().firstValue("X-greet-alpha")).hasValue("v1 PluginClassLoader[alpha.jar] jetty=false");
            assertThat(response.headers().firstValue("X-greet-beta")).hasValue("version 2 PluginClassLoader[beta.jar] jetty=false");
        }
    }

    @Test
    void incompatibleMissingAndDuplicatePluginsAreRefusedWithAReason() throws Exception {
        pluginJar("future-major.jar", "future-major", "2.0", "com.example.a", "f-a", "1");
        pluginJar("future-minor.jar", "future-minor", "1.99", "com.example.b", "f-b", "1");
        pluginJar("dup-1.jar", "dup", "1.0", "com.example.c", "f-c", "1");
        pluginJar("dup-2.jar", "dup", "1.0", "com.example.d", "f-d", "1");
        TestJars.builder().resource("readme.txt", "not a plugin").writeTo(home.resolve("plugins.d/no-descriptor.jar"));
        Files.writeString(home.resolve("plugins.d/notes.txt"), "ignored");

        try (TestGateway gateway = TestGateway.builder().home(home).config("").start()) {
            Map<String, LoadedPlugin> bySource = new java.util.HashMap<>();
            gateway.gateway().plugins().forEach(plugin -> bySource.put(plugin.source(), plugin));
            assertThat(bySource.get("future-major.jar").status()).isEqualTo(LoadedPlugin.Status.REFUSED);
            assertThat(bySource.get("future-major.jar").reason())
                    .contains("built for API 2.0 but this gateway runs API " + dev.tollgate.api.ApiVersion.CURRENT, "built for API 1.x");
            assertThat(bySource.get("future-minor.jar").reason()).contains("upgrade the gateway");
            assertThat(bySource.get("dup-1.jar").status()).isEqualTo(LoadedPlugin.Status.LOADED);
            assertThat(bySource.get("dup-2.jar").status()).isEqualTo(LoadedPlugin.Status.REFUSED);
            assertThat(bySource.get("dup-2.jar").reason()).contains("already provided by dup-1.jar");
            assertThat(bySource.get("no-descriptor.jar").reason()).contains("no META-INF/tollgate/plugin.properties");
            assertThat(bySource).doesNotContainKey("notes.txt");
            assertThat(gateway.gateway().plugins().stream().map(LoadedPlugin::summary).toList())
                    .anySatisfy(line -> assertThat(line).startsWith("future-major 2.3.4 (API 2.0) from future-major.jar: refused: "));
        }
    }

    @Test
    void aPluginThatCannotBeInstantiatedIsReportedAndTheGatewayStillStarts() throws Exception {
        TestJars.builder()
                .source("com.example.broken.BrokenPlugin", """
                        package com.example.broken;
                        public final class BrokenPlugin implements dev.tollgate.api.Plugin {
                            public BrokenPlugin() { throw new IllegalStateException("constructor failed"); }
                        }
                        """)
                .plugin("broken", "1.0.0", "1.0", "com.example.broken.BrokenPlugin")
                .writeTo(home.resolve("plugins.d/broken.jar"));
        try (TestGateway gateway = TestGateway.builder().home(home).config("routes = [ { path = \"/x\", endpoint = test-echo } ]").start()) {
            LoadedPlugin broken = gateway.gateway().plugins().stream().filter(plugin -> plugin.id().equals("broken")).findFirst().orElseThrow();
            assertThat(broken.status()).isEqualTo(LoadedPlugin.Status.FAILED);
            assertThat(broken.reason()).contains("constructor failed");
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.http("/x")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        }
        // ...but not when configuration says it is required.
        assertThatThrownBy(() -> TestGateway.builder().home(home).config("plugins.broken.required = true").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("required plugin broken is not loaded")
                .hasMessageContaining("constructor failed");
    }

    @Test
    void aRouteUsingAFilterOfAPluginThatDidNotLoadNamesThePlugin() {
        pluginJar("future.jar", "future", "2.0", "com.example.future", "greet-future", "1");
        assertThatThrownBy(() -> TestGateway.builder().home(home).config("""
                routes = [ { path = "/x", endpoint = test-echo, filters = [ greet-future ] } ]
                """).start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.routes[0].filters[0]")
                .hasMessageContaining("unknown filter 'greet-future'")
                .hasMessageContaining("future (refused: built for API 2.0");
    }

    @Test
    void disabledPluginsAreNotLoaded() throws Exception {
        pluginJar("alpha.jar", "alpha", "1.0", "com.example.alpha", "greet-alpha", "1");
        try (TestGateway gateway = TestGateway.builder().home(home).config("plugins.alpha.enabled = false").start()) {
            assertThat(gateway.gateway().plugins()).filteredOn(plugin -> plugin.id().equals("alpha"))
                    .extracting(LoadedPlugin::status).containsExactly(LoadedPlugin.Status.DISABLED);
        }
    }

    @Test
    void settingsForAPluginThatIsNotInstalledAreRefused() {
        assertThatThrownBy(() -> TestGateway.builder().home(home).config("plugins.alhpa { x = 1 }").start())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.plugins.alhpa")
                .hasMessageContaining("no plugin with id 'alhpa' is installed");
    }

    @Test
    void aPluginFolderOfJarsIsOnePlugin() throws Exception {
        Path folder = home.resolve("plugins.d/folder-plugin");
        TestJars.builder().source("com.example.lib.Greeting", library("3")).writeTo(folder.resolve("library.jar"));
        TestJars.builder()
                .source("com.example.lib.Greeting", library("ignored"))
                .source("com.example.folder.GreetingPlugin", greetingPlugin("com.example.folder", "greet-folder"))
                .plugin("folder-plugin", "1.0.0", "1.0", "com.example.folder.GreetingPlugin")
                .resource("reference.conf", "tollgate.filters.greet-folder { prefix = \"v\" }\n")
                .writeTo(folder.resolve("plugin.jar"));
        // The plugin jar's own Greeting is dropped so that the library jar of the folder provides it.
        Path pluginJar = folder.resolve("plugin.jar");
        Path stripped = folder.resolve("plugin-stripped.jar");
        try (var in = new java.util.jar.JarFile(pluginJar.toFile());
             var out = new java.util.jar.JarOutputStream(Files.newOutputStream(stripped))) {
            for (var entry : java.util.Collections.list(in.entries())) {
                if (!entry.getName().startsWith("com/example/lib/")) {
                    out.putNextEntry(new java.util.jar.JarEntry(entry.getName()));
                    in.getInputStream(entry).transferTo(out);
                    out.closeEntry();
                }
            }
        }
        Files.delete(pluginJar);
        try (TestGateway gateway = TestGateway.builder().home(home).config("""
                routes = [ { path = "/x", endpoint = test-echo, filters = [ greet-folder ] } ]
                """).start()) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.http("/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.headers().firstValue("X-greet-folder")).hasValueSatisfying(value -> assertThat(value).startsWith("v3 "));
            assertThat(gateway.gateway().plugins()).extracting(LoadedPlugin::source).contains("folder-plugin");
        }
    }

    @Test
    void twoPluginsOfferingTheSameFilterNameIsAnInstallationError() {
        pluginJar("one.jar", "one", "1.0", "com.example.one", "greet", "1");
        pluginJar("two.jar", "two", "1.0", "com.example.two", "greet", "1");
        assertThatThrownBy(() -> TestGateway.builder().home(home).config("").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the filter 'greet' is offered by both plugin 'one'")
                .hasMessageContaining("plugin 'two'");
    }

    @Test
    void componentsThatFailToStartAnswer503InsteadOfBeingSkipped() throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                routes = [ { path = "/x", endpoint = test-echo, filters = [ test-broken-start ] } ]
                """)) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.http("/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("\"code\":\"UNAVAILABLE\"", "filter 'test-broken-start' is unavailable");
            assertThat(gateway.gateway().health().report().components().keySet())
                    .anySatisfy(name -> assertThat(name).contains("test-broken-start"));
            assertThat(gateway.gateway().health().report().ready()).as("a component that failed makes the gateway not ready").isFalse();
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.http("/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);

            // A reload whose component fails to start is refused; the running configuration serves on.
            var refused = gateway.reload("routes = [ { path = \"/y\", endpoint = test-echo, filters = [ test-broken-start ] } ]");
            assertThat(refused.applied()).isFalse();
            assertThat(refused.message()).contains("test-broken-start").contains("failed to start");
        }
        try (TestGateway optional = TestGateway.start("""
                plugins.test.optional = true
                routes = [ { path = "/x", endpoint = test-echo, filters = [ test-broken-start ] } ]
                """)) {
            assertThat(optional.gateway().health().report().ready()).as("unless its plugin is optional").isTrue();
            assertThat(optional.gateway().health().report().status().name()).isEqualTo("DEGRADED");
        }
        assertThatThrownBy(() -> TestGateway.start("plugins.test { required = true, optional = true }"))
                .hasMessageContaining("gateway.plugins.test.optional");
        assertThatThrownBy(() -> TestGateway.builder().config("""
                plugins.test.required = true
                routes = [ { path = "/x", endpoint = test-echo, filters = [ test-broken-start ] } ]
                """).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("required plugin test failed to start");
    }
}
