package dev.tollgate.plugin.support.redis;

import com.typesafe.config.ConfigFactory;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.runtime.config.HoconConfig;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The connection a block names, the default, the fallback without any gateway.redis, and a plugin's deprecated keys. */
class RedisConnectionSelectorTest {
    private final TestingPluginContext context = new TestingPluginContext("cache-redis");
    private final List<PluginConfig> read = new ArrayList<>();
    private final RedisConnectionSelector.DeprecatedKeys deprecated = new RedisConnectionSelector.DeprecatedKeys(
            List.of("address", "password", "reconnect.max-delay"), "cache-redis 2.0.0", config -> {
                read.add(config);
                return RedisSettings.builder(config.path()).address(config.getString("address")).build();
            });

    @AfterEach
    void tearDown() {
        context.close();
    }

    private static PluginConfig config(String hocon) {
        return new HoconConfig(ConfigFactory.parseString(hocon), "test.caches.redis", "redis");
    }

    @Test
    void theConnectionThatRedisNamesDefaultByDefault() {
        context.withRedis("default", "address = \"redis://10.0.0.1:6379\"")
                .withRedis("cache", "mode = sentinel, addresses = [\"redis://10.0.0.2:26379\"], master-name = cache");
        assertThat(RedisConnectionSelector.select(config(""), context)).isSameAs(context.redis("default"));
        assertThat(RedisConnectionSelector.select(config("redis = cache"), context)).isSameAs(context.redis("cache"));
        assertThat(RedisConnectionSelector.select(config("redis = cache"), context, deprecated)).isSameAs(context.redis("cache"));
        assertThat(read).as("no deprecated key written").isEmpty();
    }

    @Test
    void withoutAnyGatewayRedisTheLocalRedisSaidOnceAtInfo() {
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            assertThat(RedisConnectionSelector.select(config(""), context)).isEqualTo(RedisSettings.builder("default").build());
            assertThat(logs.infos()).containsExactly("test.caches.redis: no Redis connection is configured (gateway.redis is "
                    + "empty): using redis://127.0.0.1:6379 with the defaults of a gateway.redis entry; declare gateway.redis.default { … } to choose");
        }
    }

    @Test
    void aConnectionThatDoesNotExistIsAnErrorOfTheRedisKey() {
        assertThatThrownBy(() -> RedisConnectionSelector.select(config("redis = default"), context))
                .as("written, it must exist, even when gateway.redis is empty")
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.caches.redis.redis: no Redis connection 'default': gateway.redis has none");
        context.withRedis("main", "");
        assertThatThrownBy(() -> RedisConnectionSelector.select(config("redis = mian"), context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.caches.redis.redis: no Redis connection 'mian' in gateway.redis; configured: main (did you mean 'main'?)");
        assertThatThrownBy(() -> RedisConnectionSelector.select(config(""), context))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.caches.redis.redis: no Redis connection 'default' in gateway.redis; configured: main "
                        + "(redis is not set, so it is 'default')");
    }

    @Test
    void deprecatedKeysAreReadByThePluginWithOneWarningNamingThem() {
        context.withRedis("default", "");
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            PluginConfig config = config("reconnect.max-delay = 20s, address = \"redis://10.0.0.1:6379\", password = x");
            RedisSettings settings = RedisConnectionSelector.select(config, context, deprecated);
            assertThat(settings).as("the plugin's reading, even with a gateway.redis.default")
                    .isEqualTo(RedisSettings.builder("test.caches.redis").address("redis://10.0.0.1:6379").build());
            assertThat(read).containsExactly(config);
            assertThat(logs.warnings()).containsExactly("test.caches.redis: address, password, reconnect.max-delay are deprecated "
                    + "and will be removed in cache-redis 2.0.0: move them to gateway.redis.default { … }, which this uses unless "
                    + "redis = <name> names another connection");
        }
        try (CapturedLogs logs = new CapturedLogs(RedisConnectionSelector.class)) {
            RedisConnectionSelector.select(config("address = \"redis://10.0.0.1:6379\""), context, deprecated);
            assertThat(logs.warnings()).containsExactly("test.caches.redis: address is deprecated and will be removed in "
                    + "cache-redis 2.0.0: move it to gateway.redis.default { … }, which this uses unless redis = <name> names another connection");
        }
    }

    @Test
    void deprecatedKeysAndRedisTogetherAreAnError() {
        context.withRedis("default", "");
        assertThatThrownBy(() -> RedisConnectionSelector.select(config("redis = default, password = x, address = \"redis://h:1\""),
                context, deprecated))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.caches.redis.redis: names a gateway.redis connection, so the connection keys address, "
                        + "password must not be written here as well: set them in gateway.redis.default");
        assertThat(read).isEmpty();
    }

    @Test
    void withoutDeprecatedKeysOnlyRedisCounts() {
        context.withRedis("default", "");
        assertThat(RedisConnectionSelector.select(config("address = \"redis://10.0.0.1:6379\""), context))
                .isSameAs(context.redis("default"));
    }
}
