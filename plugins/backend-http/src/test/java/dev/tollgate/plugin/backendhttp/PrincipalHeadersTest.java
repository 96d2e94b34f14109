package dev.tollgate.plugin.backendhttp;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Plugin;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The principal reaches the instance as headers, through a running gateway to a Jetty backend
 * whose {@code /describe} answers the headers it saw (two fields of one name would show as
 * {@code a | b}): the default names from the runtime test-jar's {@code test-header-auth}, renamed
 * ones and claim headers from {@code test-claims-auth} below; a client's copies never arrive, with
 * a principal or without, including names the runtime does not screen ({@code X-Tenant}).
 */
class PrincipalHeadersTest {
    private static JettyBackend backend;
    private static TestGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        backend = JettyBackend.clearText(new TestBackendHandler());
        gateway = TestGateway.builder()
                .plugin("backend-http", new HttpBackendPlugin())
                .plugin("claims-test", new ClaimsPlugin())
                .config("""
                        services {
                          plain { backend = http, instances = ["%1$s"] }
                          renamed {
                            backend = http, instances = ["%1$s"]
                            principal-headers {
                              user-id = "X-Subject", roles = ""
                              claims { tenant = "X-Tenant", groups = "X-Groups", exp = "X-Expires", level = "X-Level",
                                       display = "X-Display", profile = "X-Profile", missing = "X-Missing", unsent = "" }
                            }
                          }
                        }
                        routes = [
                          { path = "/header/**", filters = [test-header-auth], service = { name = plain, strip-prefix = "/header" } }
                          { path = "/claims/**", filters = [test-claims-auth], service = { name = plain, strip-prefix = "/claims" } }
                          { path = "/open/**", service = { name = plain, strip-prefix = "/open" } }
                          { path = "/renamed/**", filters = [test-claims-auth], service = { name = renamed, strip-prefix = "/renamed" } }
                          { path = "/renamed-open/**", service = { name = renamed, strip-prefix = "/renamed-open" } }
                        ]
                        """.formatted(backend.url("http")))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** The headers the backend saw for a GET of {@code path} with these header name/value pairs. */
    private Map<String, String> described(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.http(path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, String> seen = new LinkedHashMap<>();
        for (String line : response.body().split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                seen.put(line.substring(0, colon), line.substring(colon + 2));
            }
        }
        return seen;
    }

    @Test
    void thePrincipalReachesTheInstanceInsteadOfTheClientsCopies() throws Exception {
        Map<String, String> headers = described("/header/describe", "X-User", "ann", "X-User-Id", "root", "X-User-Roles", "admin");
        assertThat(headers).containsEntry("x-user-id", "ann").containsEntry("x-user-roles", "user");
    }

    @Test
    void rolesAreSortedAndCommaSeparated() throws Exception {
        Map<String, String> headers = described("/claims/describe", "X-User", "bob", "X-Tenant", "from-the-client");
        assertThat(headers).containsEntry("x-user-id", "bob").containsEntry("x-user-roles", "admin,reader,writer");
        // The plain service names no claims: none is sent, and X-Tenant is a header like any other there.
        assertThat(headers).doesNotContainKeys("x-groups", "x-expires").containsEntry("x-tenant", "from-the-client");
    }

    @Test
    void anAnonymousRequestCarriesNoIdentityWhateverTheClientSent() throws Exception {
        Map<String, String> headers = described("/open/describe", "X-User-Id", "root", "X-User-Roles", "admin");
        assertThat(headers).doesNotContainKeys("x-user-id", "x-user-roles");
        assertThat(headers).containsEntry("x-forwarded-for", "127.0.0.1");
    }

    @Test
    void renamedHeadersAndClaimsCarryThePrincipal() throws Exception {
        Map<String, String> headers = described("/renamed/describe", "X-User", "100%zoe",
                "X-Subject", "root", "X-Tenant", "evil", "X-Groups", "admins", "X-Missing", "forged", "X-Profile", "forged");
        assertThat(headers)
                .containsEntry("x-subject", "100%25zoe")
                .containsEntry("x-tenant", "acme")
                .containsEntry("x-groups", "ops,a%2Cb")
                .containsEntry("x-expires", "1700000000")
                .containsEntry("x-level", "3")
                .containsEntry("x-display", "Zo%C3%AB 100%25")
                // Roles are switched off on this service, X-User-Id is not its name (the runtime
                // removed the client's), a map claim and an absent one write nothing.
                .doesNotContainKeys("x-user-roles", "x-user-id", "x-profile", "x-missing");
    }

    @Test
    void renamedHeadersAreRemovedFromAnAnonymousRequest() throws Exception {
        Map<String, String> headers = described("/renamed-open/describe", "X-Subject", "root", "X-Tenant", "evil", "x-groups", "admins",
                "X-Expires", "never", "X-Other", "kept");
        assertThat(headers).doesNotContainKeys("x-subject", "x-tenant", "x-groups", "x-expires");
        assertThat(headers).containsEntry("x-other", "kept");
    }

    /**
     * {@code test-claims-auth}: the principal named by the {@code X-User} header, with roles
     * writer, admin, reader and claims of every JSON shape (a string, a list holding a comma, a
     * double, an integer, a non-ASCII string with {@code %}, an object).
     */
    static final class ClaimsPlugin implements Plugin {
        @Override
        public Iterable<FilterFactory> filterFactories() {
            return List.of(new FilterFactory() {
                @Override
                public String name() {
                    return "test-claims-auth";
                }

                @Override
                public Filter create(PluginConfig config, PluginContext context) {
                    return new Filter() {
                        @Override
                        public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
                            String user = exchange.request().headers().get("X-User");
                            if (user == null) {
                                return CompletableFuture.failedStage(new GatewayException(ErrorCode.UNAUTHORIZED, "X-User required"));
                            }
                            exchange.setPrincipal(Principal.of(user, "test", Set.of("writer", "admin", "reader"), Map.of(
                                    "tenant", "acme",
                                    "groups", List.of("ops", "a,b"),
                                    "exp", 1.7E9,
                                    "level", 3,
                                    "display", "Zoë 100%",
                                    "profile", Map.of("team", "blue"))));
                            return chain.proceed(exchange);
                        }

                        @Override
                        public int order() {
                            return Order.AUTHENTICATION;
                        }
                    };
                }
            });
        }
    }
}
