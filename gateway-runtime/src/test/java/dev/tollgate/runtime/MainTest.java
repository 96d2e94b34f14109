package dev.tollgate.runtime;

import dev.tollgate.runtime.testing.TestGateway;
import dev.tollgate.runtime.testing.TestJars;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line: check, plugins, hash-key, usage errors. */
class MainTest {
    private Path home;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void createHome() throws Exception {
        home = Files.createTempDirectory("tollgate-main-test");
        Files.createDirectories(home.resolve("conf"));
        System.setProperty("gateway.home", home.toString());
    }

    @AfterEach
    void deleteHome() {
        System.clearProperty("gateway.home");
        TestGateway.delete(home);
    }

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private int runWithInput(byte[] input, String... args) {
        return Main.run(args, new ByteArrayInputStream(input),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private int runWithInput(String input, String... args) {
        return runWithInput(input.getBytes(StandardCharsets.UTF_8), args);
    }

    private void writeConfig(String text) throws Exception {
        Files.writeString(home.resolve("conf/gateway.conf"), text);
    }

    @Test
    void checkAcceptsAValidConfiguration() throws Exception {
        writeConfig("gateway { server.http.port = 0, server.https.enabled = false }\n");
        assertThat(run("check")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("gateway.conf is valid");
    }

    @Test
    void checkRefusesAMisspelledKeyNamingFileLineAndKey() throws Exception {
        writeConfig("""
                gateway {
                  server {
                    http { prot = 8080 }
                  }
                }
                """);
        assertThat(run("check")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("invalid configuration")
                .contains("gateway.conf:3")
                .contains("gateway.server.http.prot")
                .contains("did you mean 'port'");
    }

    @Test
    void runRefusesToStartWithABadConfigurationAndAnotherFileCanBeGiven() throws Exception {
        Path other = home.resolve("other.conf");
        Files.writeString(other, "gateway.routes = [ { path = \"/x\", endpoint = nothing-like-this } ]");
        assertThat(run("--config", other.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("gateway.routes[0].endpoint", "unknown endpoint 'nothing-like-this'");
    }

    @Test
    void pluginsListsIdVersionApiVersionAndStatus() throws Exception {
        writeConfig("");
        TestJars.builder()
                .source("com.example.listed.ListedPlugin", "package com.example.listed; public final class ListedPlugin implements dev.tollgate.api.Plugin {}")
                .plugin("listed", "3.1.4", "1.0", "com.example.listed.ListedPlugin")
                .writeTo(home.resolve("plugins.d/listed.jar"));
        TestJars.builder()
                .source("com.example.future.FuturePlugin", "package com.example.future; public final class FuturePlugin implements dev.tollgate.api.Plugin {}")
                .plugin("future", "9.0.0", "2.0", "com.example.future.FuturePlugin")
                .writeTo(home.resolve("plugins.d/future.jar"));
        assertThat(run("plugins")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .containsPattern("listed\\s+3\\.1\\.4\\s+1\\.0\\s+loaded\\s+listed\\.jar")
                .containsPattern("future\\s+9\\.0\\.0\\s+2\\.0\\s+refused\\s+future\\.jar: built for API 2\\.0");
    }

    /** The expected hash was made with coreutils: {@code printf %s ci-bot-key-7f3a9c2e41d8 | sha256sum}. */
    @ParameterizedTest
    @ValueSource(strings = {"ci-bot-key-7f3a9c2e41d8\n", "ci-bot-key-7f3a9c2e41d8", "ci-bot-key-7f3a9c2e41d8\r\n"})
    void hashKeyPrintsTheLowercaseHexSha256OfTheLineWithoutItsLineBreak(String input) {
        assertThat(runWithInput(input, "hash-key")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("f7e078478bb9deb4a7acf71be285aa7b28716c59aca8610b100c1e576e119264" + System.lineSeparator());
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    /** {@code printf %s 'clé-secrète' | sha256sum} in a UTF-8 shell. */
    @Test
    void hashKeyHashesTheUtf8BytesOfTheKey() {
        assertThat(runWithInput("clé-secrète\n", "hash-key")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo("c69ebab72fa8e13b7e7ef35d5a0e41e72ea175f4323b7017ab9f9c26b2b6e3b5");
    }

    /** {@code input} is written with Java escapes. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            nothing             | ''                   | no key on standard input
            an empty line       | '\\n'                | no key on standard input
            two lines           | 'first\\nsecond\\n'  | more than one line
            surrounding spaces  | ' key \\n'           | the key starts or ends with white space
            a control character | 'ke\\001y\\n'       | the key holds control characters
            """)
    void hashKeyRefusesInputTheFilterCouldNeverMatchWithExitCode2(String why, String input, String message) {
        assertThat(runWithInput(input == null ? "" : input.translateEscapes(), "hash-key")).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).as("nothing printed").isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("gateway hash-key: " + message);
    }

    @Test
    void hashKeyRefusesBytesThatAreNotUtf8() {
        assertThat(runWithInput(new byte[] {'k', (byte) 0xff, '\n'}, "hash-key")).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("gateway hash-key: the key is not UTF-8 text");
    }

    @Test
    void hashKeyTakesNoArguments() {
        assertThat(runWithInput("key\n", "hash-key", "--config", "x.conf")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("hash-key reads no configuration", "usage:");
        assertThat(runWithInput("key\n", "hash-key", "extra")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument 'extra'");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void usageErrors() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'", "usage:");
        assertThat(run("check", "--bogus")).isEqualTo(2);
        assertThat(run("--help")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("hash-key");
    }

    @Test
    void aMissingConfigurationFileIsNamed() {
        assertThat(run("check", "--config", home.resolve("absent.conf").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("absent.conf", "configuration file not found");
    }
}
