package dev.tollgate.plugin.discoveryredis;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.health.Health;
import dev.tollgate.runtime.testing.TestingPluginContext;
import dev.tollgate.runtime.testing.TlsRedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code rediss://} connection of {@code gateway.redis} against a TLS-only redis-server of the
 * test's own, whose certificates a private CA issued: the trust store, the client certificate
 * (mutual TLS) and host name verification as configured.
 */
class RedisTlsTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(20);

    private final ClassLoader loader = RedisDiscoveryPlugin.class.getClassLoader();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    @AfterEach
    void tearDown() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    @Test
    void connectsTrustingAPrivateCaAndVerifyingTheHostName() throws Exception {
        TlsRedisServer server = started(TlsRedisServer.start(List.of("127.0.0.1"), false));
        TestingPluginContext context = discovery(server, "tls.trust-store { path = \"%s\", password = %s }"
                .formatted(server.trustStore(), TlsRedisServer.STORE_PASSWORD));
        await("connected over TLS").atMost(PROMPTLY).until(() -> health(context).status() == Health.Status.UP);
    }

    @Test
    void presentsTheClientCertificateAServerRequires() throws Exception {
        TlsRedisServer server = started(TlsRedisServer.start(List.of("127.0.0.1"), true));
        String trust = "tls.trust-store { path = \"%s\", password = %s }".formatted(server.trustStore(), TlsRedisServer.STORE_PASSWORD);
        TestingPluginContext without = discovery(server, trust);
        TestingPluginContext with = discovery(server, trust + ", tls.key-store { path = \"%s\", password = %s }"
                .formatted(server.clientKeyStore(), TlsRedisServer.STORE_PASSWORD));
        await("connected with the client certificate").atMost(PROMPTLY).until(() -> health(with).status() == Health.Status.UP);
        await("refused without it").atMost(PROMPTLY).until(() -> String.valueOf(health(without).details().get("reason"))
                .startsWith("Redis unreachable"));
        assertThat(health(without).status()).isEqualTo(Health.Status.DOWN);
    }

    @Test
    void refusesACertificateForAnotherHostUnlessHostNameVerificationIsOff() throws Exception {
        TlsRedisServer server = started(TlsRedisServer.start(List.of("redis.internal"), false));
        String trust = "tls.trust-store { path = \"%s\", password = %s }".formatted(server.trustStore(), TlsRedisServer.STORE_PASSWORD);
        TestingPluginContext verifying = discovery(server, trust);
        TestingPluginContext notVerifying = discovery(server, trust + ", tls.hostname-verification = false");
        await("connected without verifying the name").atMost(PROMPTLY).until(() -> health(notVerifying).status() == Health.Status.UP);
        await("refused: the certificate is for redis.internal, not 127.0.0.1").atMost(PROMPTLY)
                .until(() -> String.valueOf(health(verifying).details().get("reason")).startsWith("Redis unreachable"));
        assertThat(health(verifying).status()).isEqualTo(Health.Status.DOWN);
    }

    private TlsRedisServer started(TlsRedisServer server) {
        resources.push(server);
        return server;
    }

    /** A discovery over {@code server} with the TLS settings {@code tls}, in a context of its own. */
    private TestingPluginContext discovery(TlsRedisServer server, String tls) {
        TestingPluginContext context = new TestingPluginContext("discovery-redis")
                .withRedis("default", "address = \"%s\", connect-timeout = 2s, timeout = 2s, %s".formatted(server.address(), tls));
        resources.push(context);
        PluginConfig config = TestingPluginContext.componentConfig(loader, "discovery.redis", "redis",
                "refresh-interval = 100ms, max-retry-interval = 500ms");
        resources.push(new RedisDiscovery.Factory().create(config, context));
        return context;
    }

    private static Health health(TestingPluginContext context) {
        return context.health().get("discovery").check();
    }
}
