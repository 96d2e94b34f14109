package dev.tollgate.api.redis;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisSettingsTest {

    @Test
    void builderStartsFromTheDocumentedDefaults() {
        RedisSettings settings = RedisSettings.builder("default").build();
        assertThat(settings.name()).isEqualTo("default");
        assertThat(settings.mode()).isEqualTo(RedisSettings.Mode.SINGLE);
        assertThat(settings.address()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(settings.addresses()).isEmpty();
        assertThat(settings.masterName()).isEmpty();
        assertThat(settings.username()).isEmpty();
        assertThat(settings.password()).isEmpty();
        assertThat(settings.sentinelUsername()).isEmpty();
        assertThat(settings.sentinelPassword()).isEmpty();
        assertThat(settings.database()).isZero();
        assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.reconnect()).isEqualTo(new RedisSettings.Reconnect(Duration.ofMillis(100), Duration.ofSeconds(10)));
        assertThat(settings.pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.tls()).isEqualTo(RedisSettings.Tls.DEFAULT);
        assertThat(settings.tls().hostnameVerification()).isTrue();
    }

    @Test
    void equalSettingsAreEqualValues() {
        RedisSettings one = sentinel().build();
        RedisSettings other = sentinel().build();
        assertThat(one).isEqualTo(other).hasSameHashCodeAs(other);
        assertThat(one).isNotEqualTo(sentinel().database(3).build());
        assertThat(one).isNotEqualTo(sentinel().password("other").build());
    }

    @Test
    void neverPrintsAPassword() {
        RedisSettings.Store store = new RedisSettings.Store(Path.of("/etc/tollgate/redis-ca.p12"), Optional.of("store-secret"), "PKCS12");
        RedisSettings settings = sentinel()
                .tls(new RedisSettings.Tls(Optional.of(store), Optional.of(store), true))
                .build();
        assertThat(settings.toString())
                .doesNotContain("s3cret", "sentinel-secret", "store-secret")
                .contains("mode=SENTINEL", "masterName=mymaster", "username=gateway", "password=****",
                        "sentinelUsername=watcher", "sentinelPassword=****", "/etc/tollgate/redis-ca.p12 (PKCS12, password ****)");
        assertThat(RedisSettings.builder("plain").build().toString()).contains("address=redis://127.0.0.1:6379", "password=,");
    }

    @Test
    void valuesMustFitTheirMode() {
        assertThatThrownBy(() -> RedisSettings.builder("x").address("").build()).hasMessageContaining("single mode needs an address");
        assertThatThrownBy(() -> RedisSettings.builder("x").addresses(List.of("redis://a:1")).build())
                .hasMessageContaining("addresses are for sentinel and cluster modes");
        assertThatThrownBy(() -> RedisSettings.builder("x").masterName("m").build()).hasMessageContaining("for sentinel mode only");
        assertThatThrownBy(() -> RedisSettings.builder("x").sentinelPassword("p").build())
                .hasMessageContaining("Sentinel credentials are for sentinel mode only");
        assertThatThrownBy(() -> RedisSettings.builder("x").mode(RedisSettings.Mode.SENTINEL).addresses(List.of("redis://a:1")).build())
                .hasMessageContaining("sentinel mode needs a master name");
        assertThatThrownBy(() -> RedisSettings.builder("x").mode(RedisSettings.Mode.CLUSTER).build())
                .hasMessageContaining("CLUSTER mode needs at least one address");
        assertThatThrownBy(() -> RedisSettings.builder("x").mode(RedisSettings.Mode.CLUSTER).address("redis://a:1")
                .addresses(List.of("redis://a:1")).build())
                .hasMessageContaining("address is for single mode");
        assertThatThrownBy(() -> RedisSettings.builder("x").mode(RedisSettings.Mode.CLUSTER).addresses(List.of("redis://a:1"))
                .database(1).build())
                .hasMessageContaining("only database 0");
        assertThatThrownBy(() -> RedisSettings.builder("x").username("u").build()).hasMessageContaining("a username needs a password");
        assertThatThrownBy(() -> RedisSettings.builder("x").address("tcp://a:1").build())
                .hasMessageContaining("not a redis:// or rediss:// address: tcp://a:1");
        assertThatThrownBy(() -> RedisSettings.builder("x").timeout(Duration.ZERO).build()).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> RedisSettings.builder("x").reconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("maxDelay is less than minDelay");
    }

    private static RedisSettings.Builder sentinel() {
        return RedisSettings.builder("main")
                .mode(RedisSettings.Mode.SENTINEL)
                .addresses(List.of("redis://10.0.0.1:26379", "redis://10.0.0.2:26379"))
                .masterName("mymaster")
                .username("gateway")
                .password("s3cret")
                .sentinelUsername("watcher")
                .sentinelPassword("sentinel-secret")
                .database(2);
    }
}
