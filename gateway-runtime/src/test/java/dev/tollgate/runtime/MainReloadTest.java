package dev.tollgate.runtime;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code gateway reload} against a gateway running in a process of its own, as {@code bin/gateway
 * run} starts it: the running side writes {@code data/gateway.pid} and reloads on {@code SIGHUP};
 * the command finds it, signals it and prints whether the configuration was applied.
 */
class MainReloadTest {
    private Path home;
    private Process gateway;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void createHome() throws Exception {
        home = Files.createTempDirectory("tollgate-reload-test");
        Files.createDirectories(home.resolve("conf"));
        System.setProperty("gateway.home", home.toString());
    }

    @AfterEach
    void stop() throws Exception {
        System.clearProperty("gateway.home");
        if (gateway != null) {
            gateway.destroy();
            gateway.waitFor(30, TimeUnit.SECONDS);
        }
        TestGateway.delete(home);
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String gatewayLog() {
        try {
            return Files.readString(home.resolve("gateway.log"), StandardCharsets.UTF_8);
        }
        catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private void writeConfig(String limits) throws Exception {
        Files.writeString(home.resolve("conf/gateway.conf"), """
                gateway {
                  server { host = "127.0.0.1", http.port = 0, https.enabled = false, management.port = 0 }
                  %s
                }
                """.formatted(limits));
    }

    @Test
    void reloadSignalsTheRunningGatewayAndReportsTheOutcome() throws Exception {
        writeConfig("");
        assertThat(run("reload")).as("nothing runs yet").isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no running gateway").contains("gateway.pid");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        gateway = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "-Dgateway.home=" + home,
                Main.class.getName(), "run"))
                .redirectErrorStream(true).redirectOutput(home.resolve("gateway.log").toFile()).start();
        Path pid = home.resolve("data/gateway.pid");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.isRegularFile(pid));
        assertThat(Files.readString(pid).trim()).isEqualTo(Long.toString(gateway.pid()));

        // A test run started with SIGHUP ignored (under nohup) passes that on to the gateway it starts, which then cannot be signalled.
        await().atMost(Duration.ofSeconds(30)).until(() -> gatewayLog().contains("Ready in"));
        assertThat(gatewayLog()).as("the tests were started with SIGHUP ignored (nohup?): run them without it, the gateway they "
                + "start inherits it and cannot be reloaded by signal").doesNotContain(Signals.IGNORED);

        writeConfig("system.health-path = \"/status\"\nroutes = []");
        int reloaded = run("reload");
        assertThat(reloaded).as("%s; the gateway's log:%n%s", err.toString(StandardCharsets.UTF_8), gatewayLog()).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("reload applied: configuration generation 2 applied")
                .contains("needs a restart: gateway.system paths changed");

        writeConfig("routes = [ { path = \"/x\", endpoint = no-such-endpoint } ]");
        assertThat(run("reload")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("reload refused").contains("unknown endpoint 'no-such-endpoint'");

        writeConfig("routes = [ { path = \"/x\", endp");
        assertThat(run("reload")).as("a file that does not parse is refused before any signal").isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("invalid configuration");

        // The running gateway went on serving on the configuration it had, and says so on the management /health.
        String log = Files.readString(home.resolve("gateway.log"));
        int port = Integer.parseInt(log.replaceAll("(?s).*?Management on http://127\\.0\\.0\\.1:(\\d+).*", "$1"));
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.body()).contains("\"generation\":2").contains("refused");

        gateway.destroy();
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(pid).as("removed when the gateway stops").doesNotExist();
        gateway = null;
    }
}
