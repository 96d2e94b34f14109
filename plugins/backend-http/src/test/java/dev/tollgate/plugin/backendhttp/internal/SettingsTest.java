package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service and route settings: the documented defaults, overrides, and bad values refused naming their key. */
class SettingsTest {
    private final ClassLoader loader = HttpBackendFactory.class.getClassLoader();

    private PluginConfig service(String hocon) {
        return TestingPluginContext.componentConfig(loader, "backends.http.service", "orders", hocon);
    }

    private PluginConfig route(String hocon) {
        return TestingPluginContext.componentConfig(loader, "backends.http.route", "orders", hocon);
    }

    @Test
    void serviceDefaultsAreTheDocumentedOnes() {
        ServiceSettings settings = ServiceSettings.from(service(""));
        assertThat(settings.protocol()).isEqualTo(ServiceSettings.Protocol.AUTO);
        assertThat(settings.pool()).isEqualTo(new ServiceSettings.Pool(64, 128, 1024));
        assertThat(settings.timeouts()).isEqualTo(new ServiceSettings.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
        assertThat(settings.maxResponseHeaderSize()).isEqualTo(16 * 1024);
        assertThat(settings.principalHeaders()).isEqualTo(new PrincipalHeaders("X-User-Id", "X-User-Roles", Map.of()));
    }

    @Test
    void principalHeadersMayBeRenamedSwitchedOffAndExtendedWithClaims() {
        PrincipalHeaders headers = ServiceSettings.from(service(
                "principal-headers { user-id = X-Subject, roles = \"\", claims { tenant = X-Tenant, \"org.unit\" = X-Unit, off = \"\" } }"))
                .principalHeaders();
        assertThat(headers).isEqualTo(new PrincipalHeaders("X-Subject", "", Map.of("tenant", "X-Tenant", "org.unit", "X-Unit")));
        assertThat(headers.names()).containsExactly("X-Subject", "X-Unit", "X-Tenant");
    }

    @Test
    void refusesPrincipalHeaderNamesThatAreNoHeaderOrSomeoneElsesOrTakenTwice() {
        String userId = "test.backends.http.service.principal-headers.user-id";
        assertRefused(() -> ServiceSettings.from(service("principal-headers.user-id = \"X User\"")), userId, "not a header name");
        assertRefused(() -> ServiceSettings.from(service("principal-headers.user-id = Authorization")), userId, "a header of HTTP or of the gateway");
        assertRefused(() -> ServiceSettings.from(service("principal-headers.roles = x-forwarded-user")),
                "test.backends.http.service.principal-headers.roles", "a header of HTTP or of the gateway");
        assertRefused(() -> ServiceSettings.from(service("principal-headers.claims { request = X-Request-Id }")),
                "test.backends.http.service.principal-headers.claims.request", "a header of HTTP or of the gateway");
        assertRefused(() -> ServiceSettings.from(service("principal-headers.claims { sub = x-user-id }")),
                "test.backends.http.service.principal-headers", "'x-user-id' is named twice");
        assertRefused(() -> service("principal-headers.user = X-User"), "test.backends.http.service.principal-headers.user",
                "unknown setting (known: claims, roles, user-id)");
    }

    @Test
    void routeDefaultsAreTheDocumentedOnesWithTheServiceTimeouts() {
        ServiceSettings service = ServiceSettings.from(service("timeouts { response = 12s, idle = 90s }"));
        RouteSettings route = RouteSettings.from(route(""), service);
        assertThat(route.pathRewrite()).isEqualTo(PathRewrite.Unchanged.INSTANCE);
        assertThat(route.preserveHost()).isTrue();
        assertThat(route.forwarded()).isEqualTo(new RouteSettings.Forwarded(true, true, true, true, true, true));
        assertThat(route.via()).isEmpty();
        assertThat(route.responseTimeoutMillis()).isEqualTo(12_000);
        assertThat(route.idleTimeoutMillis()).isEqualTo(90_000);

        RouteSettings overridden = RouteSettings.from(route("timeouts { response = 250ms, idle = 0s }, preserve-host = false, via = edge"), service);
        assertThat(overridden.responseTimeoutMillis()).isEqualTo(250);
        assertThat(overridden.idleTimeoutMillis()).isZero();
        assertThat(overridden.preserveHost()).isFalse();
        assertThat(overridden.via()).isEqualTo("edge");
    }

    @Test
    void readsEachPathOption() {
        ServiceSettings service = ServiceSettings.from(service(""));
        assertThat(RouteSettings.from(route("strip-prefix = \"/api/\""), service).pathRewrite()).isEqualTo(new PathRewrite.StripPrefix("/api"));
        assertThat(RouteSettings.from(route("rewrite { regex = \"^/a/(.*)\", replacement = \"/b/$1\" }"), service).pathRewrite())
                .isInstanceOf(PathRewrite.Regex.class);
        assertThat(RouteSettings.from(route("path = \"/v2/{id}/x/{**}\""), service).pathRewrite())
                .isEqualTo(new PathRewrite.Template(java.util.List.of("/v2/", "id", "/x/", "**", "")));
    }

    @Test
    void refusesBadServiceValuesNamingTheKey() {
        assertRefused(() -> ServiceSettings.from(service("protocol = h3")), "test.backends.http.service.protocol", "must be auto, http/1.1 or h2");
        assertRefused(() -> ServiceSettings.from(service("pool.max-connections-per-instance = 0")),
                "test.backends.http.service.pool.max-connections-per-instance", "at least 1");
        assertRefused(() -> ServiceSettings.from(service("timeouts.connect = 0s")), "test.backends.http.service.timeouts.connect", "positive");
        assertRefused(() -> ServiceSettings.from(service("timeouts.response = -1s")), "test.backends.http.service.timeouts.response", "negative");
        assertRefused(() -> ServiceSettings.from(service("max-response-header-size = 100")),
                "test.backends.http.service.max-response-header-size", "between 1KiB and 1MiB");
        // tls is a runtime-owned key (its defaults and refusals: the runtime's UpstreamSettingsTest).
        assertRefused(() -> service("tls.trust-all = true"), "test.backends.http.service.tls", "");
        assertRefused(() -> service("pool.max-conections-per-instance = 3"), "test.backends.http.service.pool.max-conections-per-instance",
                "did you mean 'max-connections-per-instance'");
        assertRefused(() -> ServiceSettings.from(service("timeouts.idle = soon")), "test.backends.http.service.timeouts.idle", "");
    }

    @Test
    void refusesBadRouteValuesNamingTheKey() {
        ServiceSettings service = ServiceSettings.from(service(""));
        assertRefused(() -> RouteSettings.from(route("strip-prefix = api"), service), "test.backends.http.route.strip-prefix", "must start with /");
        assertRefused(() -> RouteSettings.from(route("strip-prefix = \"/\""), service), "test.backends.http.route.strip-prefix", "removes nothing");
        assertRefused(() -> RouteSettings.from(route("strip-prefix = \"/api\", path = \"/x\""), service), "test.backends.http.route.path",
                "only one of strip-prefix, rewrite and path");
        assertRefused(() -> RouteSettings.from(route("rewrite.regex = \"(\""), service), "test.backends.http.route.rewrite.regex",
                "not a valid regular expression");
        assertRefused(() -> RouteSettings.from(route("rewrite { regex = \"^/(a)\", replacement = \"/$2\" }"), service),
                "test.backends.http.route.rewrite.replacement", "$2 refers to a group the regex does not have");
        assertRefused(() -> RouteSettings.from(route("rewrite { regex = \"^/(a)\", replacement = \"/${name}\" }"), service),
                "test.backends.http.route.rewrite.replacement", "${name} is not a named group");
        assertRefused(() -> RouteSettings.from(route("rewrite.replacement = \"/x\""), service), "test.backends.http.route.rewrite.regex",
                "a replacement needs a regex");
        assertRefused(() -> RouteSettings.from(route("path = \"/v2/{id\""), service), "test.backends.http.route.path", "'{' without '}'");
        assertRefused(() -> RouteSettings.from(route("path = \"/v2/{a b}\""), service), "test.backends.http.route.path", "not a parameter name");
        assertRefused(() -> RouteSettings.from(route("path = v2"), service), "test.backends.http.route.path", "must start with /");
        assertRefused(() -> RouteSettings.from(route("via = \"a b\""), service), "test.backends.http.route.via", "must be a token");
        assertRefused(() -> RouteSettings.from(route("timeouts.idle = -1s"), service), "test.backends.http.route.timeouts.idle", "negative");
        assertRefused(() -> route("forwarded.x-forwarded-four = true"), "test.backends.http.route.forwarded.x-forwarded-four",
                "did you mean 'x-forwarded-for'");
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String path, String problem) {
        assertThatThrownBy(call).isInstanceOf(InvalidConfigException.class).hasMessageContaining(path).hasMessageContaining(problem);
    }
}
