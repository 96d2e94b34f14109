package dev.tollgate.plugin.ratelimit;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.plugin.ratelimit.internal.KeySource;
import dev.tollgate.plugin.ratelimit.internal.Policy;
import dev.tollgate.plugin.ratelimit.internal.RateLimitSettings;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults of reference.conf, every key read into the settings, and the mistakes refused with their path. */
class RateLimitConfigTest {
    private static final String POLICY = "policies = [ { name = per-ip, key = ip, limit = 100, window = 1s } ]";
    private final TestingPluginContext context = new TestingPluginContext("rate-limit")
            .withRedis("default", "address = \"redis://127.0.0.1:6379\"")
            .withRedis("limits", "address = \"redis://127.0.0.1:6380\"");

    @AfterEach
    void close() {
        context.close();
    }

    private RateLimitSettings read(String hocon) {
        PluginConfig config = TestingPluginContext.componentConfig(RateLimitPlugin.class.getClassLoader(), "filters.rate-limit",
                "rate-limit", hocon);
        return RateLimitSettings.read(config, context);
    }

    @Test
    void defaults() {
        RateLimitSettings settings = read(POLICY);
        assertThat(settings.redis()).as("store = local").isEmpty();
        assertThat(settings.failOpen()).isTrue();
        assertThat(settings.storeTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(settings.legacyHeaders()).isFalse();
        assertThat(settings.maxTrackedKeys()).isEqualTo(100_000);
        assertThat(settings.policies()).containsExactly(new Policy("per-ip", List.of(new KeySource.Ip()), 100,
                Duration.ofSeconds(1), Policy.Algorithm.SLIDING_WINDOW, 100, Optional.empty()));
    }

    @Test
    void everyKey() {
        RateLimitSettings settings = read("""
                store = redis, redis = limits, on-store-failure = fail-closed, store-timeout = 20ms, legacy-headers = true
                max-tracked-keys = 10
                policies = [
                  { name = per-user, key = principal, limit = 10000, window = 1h, algorithm = token-bucket, burst = 200, fallback = per-ip }
                  { name = per-ip, key = ip, limit = 100, window = 1s }
                  { name = per-route-user, key = [principal, route, api-key, "header:X-Tenant"], limit = 30, window = 1m }
                ]
                """);
        assertThat(settings.redis().orElseThrow().name()).isEqualTo("limits");
        assertThat(settings.failOpen()).isFalse();
        assertThat(settings.storeTimeout()).isEqualTo(Duration.ofMillis(20));
        assertThat(settings.legacyHeaders()).isTrue();
        assertThat(settings.maxTrackedKeys()).isEqualTo(10);
        assertThat(settings.policies().get(0)).isEqualTo(new Policy("per-user", List.of(new KeySource.PrincipalName()), 10000,
                Duration.ofHours(1), Policy.Algorithm.TOKEN_BUCKET, 200, Optional.of("per-ip")));
        assertThat(settings.policies().get(2).key()).containsExactly(new KeySource.PrincipalName(), new KeySource.Route(),
                new KeySource.ApiKeyConsumer(), new KeySource.Header("X-Tenant"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "store = memory, " + POLICY + "| store",
            "store = redis, redis = nowhere, " + POLICY + "| redis",
            "on-store-failure = ignore, " + POLICY + "| on-store-failure",
            "store-timeout = 0ms, " + POLICY + "| store-timeout",
            "max-tracked-keys = 0, " + POLICY + "| max-tracked-keys",
            "unknown = 1, " + POLICY + "| unknown",
            "policies = []| policies",
            "policies = [ { key = ip, limit = 1, window = 1s } ]| name",
            "policies = [ { name = a, limit = 1, window = 1s } ]| key",
            "policies = [ { name = a, key = ip, window = 1s } ]| limit",
            "policies = [ { name = a, key = ip, limit = 1 } ]| window",
            "policies = [ { name = a, key = mac, limit = 1, window = 1s } ]| key",
            "policies = [ { name = a, key = \"header:\", limit = 1, window = 1s } ]| key",
            "policies = [ { name = a, key = ip, limit = 0, window = 1s } ]| limit",
            "policies = [ { name = a, key = ip, limit = 1, window = 0s } ]| window",
            "policies = [ { name = a, key = ip, limit = 1, window = 1s, algorithm = leaky } ]| algorithm",
            "policies = [ { name = a, key = ip, limit = 1, window = 1s, burst = 5 } ]| burst",
            "policies = [ { name = a, key = ip, limit = 1, window = 1s, fallback = b } ]| fallback",
            "policies = [ { name = a, key = ip, limit = 1, window = 1s }, { name = a, key = ip, limit = 2, window = 1s } ]| name",
            "policies = [ { name = \"a b\", key = ip, limit = 1, window = 1s } ]| name",
            "policies = [ { name = a, key = ip, limit = 1, window = 1s, colour = red } ]| colour",
            "policies = [ { name = a, key = principal, limit = 1, window = 1s, fallback = b }, { name = b, key = principal, limit = 1, window = 1s, fallback = a } ]| policies",
    })
    void refusesMistakes(String hocon, String key) {
        assertThatThrownBy(() -> read(hocon)).isInstanceOf(InvalidConfigException.class).hasMessageContaining(key);
    }
}
