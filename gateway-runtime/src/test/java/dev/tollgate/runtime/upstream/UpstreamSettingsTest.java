package dev.tollgate.runtime.upstream;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.upstream.Attempt;
import dev.tollgate.api.upstream.TlsSettings;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.config.GatewayConfigReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runtime-owned service settings: documented defaults, overrides, and refusals that name the key. */
class UpstreamSettingsTest {

    private static GatewayConfig.Service service(String serviceBlock) {
        return service(serviceBlock, "");
    }

    private static GatewayConfig.Service service(String serviceBlock, String outside) {
        GatewayConfig config = GatewayConfigReader.withRuntimeReference().read(GatewayConfigReader.parseString("""
                gateway {
                  %s
                  services { orders { backend = http, instances = ["http://127.0.0.1:9000"]
                    %s
                  } }
                }
                """.formatted(outside, serviceBlock)), Path.of("/opt/tollgate"));
        return config.services().get("orders");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        UpstreamSettings settings = service("").upstream();
        assertThat(settings.loadBalancing().policy()).isEqualTo(UpstreamSettings.Policy.ROUND_ROBIN);
        assertThat(settings.loadBalancing().hashSource()).isEqualTo(UpstreamSettings.HashSource.IP);
        assertThat(settings.loadBalancing().panicWhenAllUnavailable()).isFalse();
        assertThat(settings.healthCheck().enabled()).isFalse();
        assertThat(settings.healthCheck().interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.passiveHealth().consecutiveFailures()).isEqualTo(5);
        assertThat(settings.passiveHealth().ejectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.passiveHealth().maxEjectedPercent()).isEqualTo(50);
        assertThat(settings.circuitBreaker().enabled()).isTrue();
        assertThat(settings.circuitBreaker().failureRateThreshold()).isEqualTo(50);
        assertThat(settings.circuitBreaker().minimumRequests()).isEqualTo(20);
        assertThat(settings.retries().attempts()).isEqualTo(3);
        assertThat(settings.retries().statuses()).containsExactlyInAnyOrder(502, 503, 504);
        assertThat(settings.retries().failures()).containsExactlyInAnyOrder(Attempt.Failure.CONNECT, Attempt.Failure.REFUSED, Attempt.Failure.RESET);
        assertThat(settings.retries().budgetPercent()).isEqualTo(20);
        assertThat(settings.failureStatuses()).isEqualTo(Set.of(502, 503, 504));
        assertThat(settings.tls()).isEqualTo(TlsSettings.DEFAULT);
        assertThat(settings.tls().trustStore()).isEmpty();
        assertThat(settings.tls().keyStore()).isEmpty();
        assertThat(settings.tls().trustAll()).isFalse();
        assertThat(settings.tls().hostnameVerification()).isTrue();
    }

    @Test
    void tlsIsTheRuntimesWithTheKeysBackendsUsedToReadAndNeverPrintsPasswords(@TempDir Path directory) throws Exception {
        Path store = Files.createFile(directory.resolve("client.p12"));
        GatewayConfig.Service orders = service("""
                tls { trust-store { path = "%s", password = trusted }, hostname-verification = false,
                      key-store { path = "%s", password = secret, type = JKS } }
                """.formatted(store, store));
        TlsSettings tls = orders.upstream().tls();
        assertThat(tls.trustStore()).hasValue(new TlsSettings.Store(store, "PKCS12", "trusted"));
        assertThat(tls.keyStore()).hasValue(new TlsSettings.Store(store, "JKS", "secret"));
        assertThat(tls.keyPassword()).as("the store's password by default").isEqualTo("secret");
        assertThat(tls.verifiesHostname()).isFalse();
        assertThat(tls.toString()).doesNotContain("trusted", "secret");
        assertThat(orders.backendConfig().keys()).doesNotContain("tls");
        assertThat(UpstreamSettings.SENSITIVE_KEYS).containsExactlyInAnyOrder("tls.trust-store.password", "tls.key-store.password",
                "tls.key-store.key-password");

        assertThat(service("tls.key-store { path = \"%s\", password = a, key-password = b }".formatted(store)).upstream().tls().keyPassword())
                .isEqualTo("b");
        // Relative paths are the gateway home's.
        assertThatThrownBy(() -> service("tls.trust-store.path = conf/ca.p12"))
                .hasMessageContaining("gateway.services.orders.tls.trust-store.path").hasMessageContaining("cannot read /opt/tollgate/conf/ca.p12");
        assertThatThrownBy(() -> service("tls.key-store.type = NOPE"))
                .hasMessageContaining("gateway.services.orders.tls.key-store.type").hasMessageContaining("unknown key store type 'NOPE'");
        assertThatThrownBy(() -> service("tls.key-store.key-password = x"))
                .hasMessageContaining("gateway.services.orders.tls.key-store.key-password").hasMessageContaining("without a key-store.path");
        assertThatThrownBy(() -> service("tls.trust-al = true"))
                .hasMessageContaining("gateway.services.orders.tls.trust-al").hasMessageContaining("did you mean 'trust-all'");
    }

    @Test
    void aServiceOverridesAndGatewayWideDefaultsApplyToEveryService() {
        GatewayConfig.Service orders = service("""
                load-balancer { policy = consistent-hash, hash-on = "cookie:session" }
                retries { attempts = 2, failures = [connect] }
                """, "service-defaults.passive-health.consecutive-failures = 2");
        UpstreamSettings settings = orders.upstream();
        assertThat(settings.loadBalancing().policy()).isEqualTo(UpstreamSettings.Policy.CONSISTENT_HASH);
        assertThat(settings.loadBalancing().hashSource()).isEqualTo(UpstreamSettings.HashSource.COOKIE);
        assertThat(settings.loadBalancing().hashName()).isEqualTo("session");
        assertThat(settings.retries().attempts()).isEqualTo(2);
        assertThat(settings.retries().failures()).containsExactly(Attempt.Failure.CONNECT);
        assertThat(settings.passiveHealth().consecutiveFailures()).isEqualTo(2);
        // The backend plugin sees none of the runtime's keys.
        assertThat(orders.backendConfig().keys()).doesNotContain("load-balancer", "retries", "instances", "backend");
    }

    @Test
    void aMisspelledRuntimeKeyIsRefusedWithItsPath() {
        assertThatThrownBy(() -> service("load-balancer { polcy = random }"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gateway.services.orders.load-balancer.polcy")
                .hasMessageContaining("did you mean 'policy'");
    }

    @Test
    void badValuesAreRefusedWithTheirPath() {
        assertThatThrownBy(() -> service("load-balancer.policy = fastest"))
                .hasMessageContaining("gateway.services.orders.load-balancer.policy")
                .hasMessageContaining("unknown policy 'fastest'");
        assertThatThrownBy(() -> service("load-balancer { policy = consistent-hash, hash-on = \"query:x\" }"))
                .hasMessageContaining("load-balancer.hash-on");
        assertThatThrownBy(() -> service("health-check { interval = 1s, timeout = 2s }"))
                .hasMessageContaining("health-check.timeout").hasMessageContaining("must not be longer than interval");
        assertThatThrownBy(() -> service("retries.failures = [connect, explode]"))
                .hasMessageContaining("retries.failures").hasMessageContaining("unknown failure 'explode'");
        assertThatThrownBy(() -> service("failure-statuses = [502, 7000]"))
                .hasMessageContaining("failure-statuses").hasMessageContaining("7000 is not an HTTP status");
        assertThatThrownBy(() -> service("circuit-breaker.failure-rate-threshold = 0"))
                .hasMessageContaining("circuit-breaker.failure-rate-threshold").hasMessageContaining("between 1 and 100");
    }
}
