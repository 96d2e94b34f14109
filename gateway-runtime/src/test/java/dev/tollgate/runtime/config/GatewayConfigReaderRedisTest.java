package dev.tollgate.runtime.config;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.runtime.tls.KeyStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code gateway.redis}: each mode read, every rule refused with the key's path, file and line. */
class GatewayConfigReaderRedisTest {
    private static final Path HOME = Path.of("/opt/tollgate");

    private static GatewayConfig read(String text) {
        return GatewayConfigReader.withRuntimeReference().read(GatewayConfigReader.parseString(text), HOME);
    }

    /** The entry {@code main}, written on the second line. */
    private static RedisSettings main(String entry) {
        return read("gateway.redis {\n  main { " + entry + " }\n}").redis().get("main");
    }

    @Test
    void noConnectionsByDefault() {
        assertThat(read("").redis().names()).isEmpty();
    }

    @Test
    void anEmptyEntryTakesTheDocumentedDefaultsWhichTheBuilderShares() {
        RedisSettings settings = read("gateway.redis.default {}").redis().get("default");
        assertThat(settings).isEqualTo(RedisSettings.builder("default").build());
        assertThat(settings.address()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.reconnect()).isEqualTo(new RedisSettings.Reconnect(Duration.ofMillis(100), Duration.ofSeconds(10)));
    }

    @Test
    void readsASingleServer() {
        RedisSettings settings = main("""
                address = "rediss://redis.internal:6380", username = gateway, password = "s3cret", database = 3,
                connect-timeout = 2s, timeout = 500ms, reconnect { min-delay = 50ms, max-delay = 5s }, ping-interval = 0s,
                tls.hostname-verification = false""");
        assertThat(settings).isEqualTo(RedisSettings.builder("main")
                .address("rediss://redis.internal:6380")
                .username("gateway")
                .password("s3cret")
                .database(3)
                .connectTimeout(Duration.ofSeconds(2))
                .timeout(Duration.ofMillis(500))
                .reconnect(Duration.ofMillis(50), Duration.ofSeconds(5))
                .pingInterval(Duration.ZERO)
                .tls(new RedisSettings.Tls(Optional.empty(), Optional.empty(), false))
                .build());
    }

    @Test
    void readsSentinelWithTheSentinelsOwnCredentials() {
        RedisSettings settings = main("""
                mode = sentinel, addresses = ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379"], master-name = mymaster,
                password = "s3cret", sentinel-username = watcher, sentinel-password = "other", database = 2""");
        assertThat(settings.mode()).isEqualTo(RedisSettings.Mode.SENTINEL);
        assertThat(settings.address()).isEmpty();
        assertThat(settings.addresses()).containsExactly("redis://10.0.0.1:26379", "redis://10.0.0.2:26379");
        assertThat(settings.masterName()).isEqualTo("mymaster");
        assertThat(settings.password()).contains("s3cret");
        assertThat(settings.sentinelUsername()).contains("watcher");
        assertThat(settings.sentinelPassword()).contains("other");
        assertThat(settings.database()).isEqualTo(2);
    }

    @Test
    void readsACluster() {
        RedisSettings settings = main("mode = CLUSTER, addresses = [\"redis://10.0.0.1:7000\", \"redis://10.0.0.2:7000\"]");
        assertThat(settings.mode()).isEqualTo(RedisSettings.Mode.CLUSTER);
        assertThat(settings.addresses()).containsExactly("redis://10.0.0.1:7000", "redis://10.0.0.2:7000");
        assertThat(settings.database()).isZero();
    }

    @Test
    void redisDefaultsApplyToEveryEntry() {
        Map<String, RedisSettings> connections = read("""
                gateway.redis-defaults { timeout = 1s, password = "shared" }
                gateway.redis { default {}, other { address = "redis://10.0.0.9:6379", timeout = 2s } }
                """).redis().byName();
        assertThat(connections.keySet()).containsExactlyInAnyOrder("default", "other");
        assertThat(connections.get("default").timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(connections.get("default").password()).contains("shared");
        assertThat(connections.get("other").timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(connections.get("other").password()).contains("shared");
    }

    @Test
    void printedConfigurationNeverShowsAPassword() {
        GatewayConfig config = read("""
                gateway.redis.main { mode = sentinel, addresses = ["redis://10.0.0.1:26379"], master-name = m,
                  password = "first-secret", sentinel-password = "second-secret" }
                """);
        assertThat(config.toString()).contains("RedisSettings[name=main").doesNotContain("first-secret", "second-secret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "mode = standalone | mode | must be single, sentinel or cluster, not 'standalone'",
            "address = \"\" | address | must start with redis://",
            "address = \"127.0.0.1:6379\" | address | '127.0.0.1:6379' must start with redis:// (or rediss:// for TLS)",
            "address = \"http://127.0.0.1:6379\" | address | must start with redis://",
            "address = \"redis://127.0.0.1\" | address | needs a host and a port",
            "address = \"redis://127.0.0.1:6379/2\" | address | set the database with database",
            "address = \"redis://127 0 0 1:6379\" | address | is not a Redis address",
            "addresses = [\"redis://10.0.0.1:6379\"] | addresses | is for sentinel and cluster modes; in single mode set address",
            "mode = sentinel, master-name = m | addresses | missing: list at least one of the Sentinels",
            "mode = cluster | addresses | missing: list at least one of the cluster nodes",
            "mode = sentinel, addresses = [\"redis://10.0.0.1:26379\"] | master-name | missing: the name of the master",
            "mode = sentinel, master-name = m, address = \"redis://10.0.0.1:6379\", addresses = [\"redis://a:26379\"] | address | is for single mode; in sentinel mode list the Sentinels in addresses",
            "mode = cluster, addresses = [\"redis://a:7000\", 7000] | addresses[1] | must be an address string",
            "mode = cluster, addresses = [\"redis://a:7000\", \"b:7000\"] | addresses[1] | 'b:7000' must start with redis://",
            "mode = cluster, addresses = [\"redis://a:7000\"], database = 1 | database | must be 0 in cluster mode",
            "mode = cluster, addresses = [\"redis://a:7000\"], sentinel-password = x | sentinel-password | is used only in sentinel mode",
            "master-name = mymaster | master-name | is used only in sentinel mode",
            "database = -1 | database | must be 0 or more",
            "username = gateway | username | needs a password (password)",
            "mode = sentinel, addresses = [\"redis://a:26379\"], master-name = m, sentinel-username = w | sentinel-username | needs a password (sentinel-password)",
            "timeout = 0s | timeout | must be between 1ms and 1h, not 0ms",
            "connect-timeout = 2h | connect-timeout | must be between 1ms and 1h",
            "ping-interval = -1s | ping-interval | must be between 0s and 1h",
            "reconnect { min-delay = 5s, max-delay = 1s } | reconnect.max-delay | must not be less than reconnect.min-delay (5000ms)",
            "timeout = soon | timeout | must be a duration",
            "adress = \"redis://10.0.0.1:6379\" | adress | unknown setting (did you mean 'address'?)",
            "tls { trust-store { pth = x } } | tls.trust-store.pth | unknown setting (did you mean 'path'?)",
            "tls { hostname-verification = false } | tls | applies to rediss:// addresses, and this connection has none",
            "address = \"rediss://a:6380\", tls.trust-store.path = \"/nonexistent/ca.p12\" | tls.trust-store.path | cannot read /nonexistent/ca.p12",
            "address = \"rediss://a:6380\", tls.key-store { path = \"/nonexistent/client.p12\", type = PKCS13 } | tls.key-store.type | unknown key store type 'PKCS13'",
    })
    void refusesEachMistakeWithItsPathFileAndLine(String entry, String key, String problem) {
        assertThatThrownBy(() -> main(entry))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.path()).isEqualTo("gateway.redis.main." + key);
                    assertThat(e.origin()).isEqualTo("String: 2");
                })
                .hasMessageContaining(problem);
    }

    @Test
    void anAddressWithCredentialsIsRefusedWithoutRepeatingThem() {
        assertThatThrownBy(() -> main("address = \"redis://gateway:s3cret@10.0.0.1:6379\""))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis.main.address: must not carry credentials: put them in username and password")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void refusesBadNamesAndEntriesThatAreNotBlocks() {
        assertThatThrownBy(() -> read("gateway.redis { Main {} }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis.Main: Redis connection names are lower-case letters");
        assertThatThrownBy(() -> read("gateway.redis { main = \"redis://10.0.0.1:6379\" }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis.main: must be a block");
        assertThatThrownBy(() -> read("gateway.redis-defaults { tiemout = 1s }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis-defaults.tiemout: unknown setting (did you mean 'timeout'?)");
    }

    @Test
    void loadsTheTlsStoresAndRefusesOnesThatDoNotLoad(@TempDir Path directory) throws Exception {
        Path client = KeyStores.selfSigned(directory, List.of("localhost")).source();
        Path ca = certificatesOnly(client, directory.resolve("ca.p12"));
        RedisSettings settings = main("""
                address = "rediss://localhost:6380",
                tls { trust-store { path = "%s", password = changeit }, key-store { path = "%s", password = "%s" } }"""
                .formatted(ca, client, KeyStores.SELF_SIGNED_PASSWORD));
        assertThat(settings.tls().trustStore()).contains(new RedisSettings.Store(ca, Optional.of("changeit"), "PKCS12"));
        assertThat(settings.tls().keyStore()).contains(new RedisSettings.Store(client, Optional.of(KeyStores.SELF_SIGNED_PASSWORD), "PKCS12"));
        assertThat(settings.tls().hostnameVerification()).isTrue();
        assertThat(settings.toString()).doesNotContain(KeyStores.SELF_SIGNED_PASSWORD, "changeit");

        assertThatThrownBy(() -> main("address = \"rediss://a:6380\", tls.key-store { path = \"%s\", password = wrong }".formatted(client)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis.main.tls.key-store.path: cannot load " + client + " as PKCS12");
        assertThatThrownBy(() -> main("address = \"rediss://a:6380\", tls.key-store { path = \"%s\", password = changeit }".formatted(ca)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis.main.tls.key-store.path: " + ca + " holds no private key");
        Path empty = emptyStore(directory.resolve("empty.p12"));
        assertThatThrownBy(() -> main("address = \"rediss://a:6380\", tls.trust-store { path = \"%s\", password = changeit }".formatted(empty)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.redis.main.tls.trust-store.path: " + empty + " holds no certificate to trust");
    }

    @Test
    void relativeStorePathsAreResolvedAgainstTheHome(@TempDir Path home) throws Exception {
        Path client = KeyStores.selfSigned(home.resolve("tls"), List.of("localhost")).source();
        GatewayConfig config = GatewayConfigReader.withRuntimeReference().read(GatewayConfigReader.parseString("""
                gateway.redis.default { address = "rediss://localhost:6380", tls.trust-store { path = "tls/self-signed.p12", password = "%s" } }
                """.formatted(KeyStores.SELF_SIGNED_PASSWORD)), home);
        assertThat(config.redis().get("default").tls().trustStore().orElseThrow().path()).isEqualTo(client);
    }

    @Test
    void anUnknownNameIsRefusedNamingTheConfiguredOnes() {
        GatewayConfig.RedisConnections connections = read("gateway.redis { default {}, sessions {} }").redis();
        assertThat(connections.names()).containsExactlyInAnyOrder("default", "sessions");
        assertThatThrownBy(() -> connections.get("defualt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no Redis connection 'defualt' in gateway.redis; configured: default, sessions (did you mean 'default'?)");
        assertThatThrownBy(() -> connections.get("cache"))
                .hasMessage("no Redis connection 'cache' in gateway.redis; configured: default, sessions");
        assertThatThrownBy(() -> read("").redis().get("default"))
                .hasMessage("no Redis connection 'default': gateway.redis has none; declare it as gateway.redis.default { address = \"redis://host:6379\" }");
    }

    /** A PKCS12 store with {@code source}'s certificates as trusted entries, without its key. */
    private static Path certificatesOnly(Path source, Path target) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(source)) {
            keys.load(in, KeyStores.SELF_SIGNED_PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", keys.getCertificate(keys.aliases().nextElement()));
        try (OutputStream out = Files.newOutputStream(target)) {
            trust.store(out, "changeit".toCharArray());
        }
        return target;
    }

    private static Path emptyStore(Path target) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (OutputStream out = Files.newOutputStream(target)) {
            store.store(out, "changeit".toCharArray());
        }
        return target;
    }
}
