package dev.tollgate.plugin.securityheaders;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Attribute;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.http.Headers;

import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * Puts the browser security headers on every response, after the rest of the chain produced it,
 * and removes the headers that only tell attackers what runs behind the gateway.
 *
 * <p>On each response, in this order: the {@code remove} names are removed; each header that is
 * on is set, replacing the backend's value, or with {@code override-backend = false} only where
 * the backend sent none; {@code Strict-Transport-Security} likewise, but only when the request
 * came over TLS (RFC 6797 §7.2: never over clear text). A header turned off is neither sent nor
 * removed: the backend's passes through.
 *
 * <p>Errors are responses (SPI 1.2): {@code proceed}'s stage completes normally with the
 * gateway's JSON error on the response when anything after this filter failed — the backend, a
 * later filter, or routing when this filter runs gateway-wide — so the headers land on errors
 * too.
 *
 * <p>The filter runs at {@code Order.SECURITY - 10}: it only acts on the way back, so it costs
 * nothing to run first, and running first makes it the outside of the chain. It then sees every
 * response produced inside it, including those that filters of order {@code SECURITY} give
 * themselves without calling the rest of the chain (the {@code cors} filter's preflight answers
 * and refusals), whatever order the configuration lists them in, and what it sets comes last.
 *
 * <p>When more than one instance handles an exchange — one in {@code gateway.global-filters} and
 * one on the route — the innermost (the route's) decides: it applies its settings and marks the
 * exchange, and the instances outside it leave that response alone. So a route serving HTML can
 * relax the gateway-wide policy for its own responses, while the gateway-wide instance still
 * covers everything no route instance saw (routing's 404 and 405, other routes).
 *
 * <p>WebSocket upgrades pass untouched: an upgraded exchange's response must not be changed.
 * Everything is computed at creation; per response the filter only looks up and sets the
 * configured fields.
 */
final class SecurityHeadersFilter implements Filter {
    private static final String STRICT_TRANSPORT_SECURITY = "Strict-Transport-Security";
    /** Where this filter runs: before (outside) every filter of order {@code SECURITY}. */
    static final int ORDER = Order.SECURITY - 10;
    /** Set on an exchange once an instance applied its headers; the instances outside it then do nothing. */
    private static final Attribute<Boolean> APPLIED = Attribute.of("security-headers.applied", Boolean.class);

    private final String strictTransportSecurity;
    private final String[] names;
    private final String[] values;
    private final String[] remove;
    private final boolean overrideBackend;

    SecurityHeadersFilter(SecurityHeadersSettings settings) {
        requireNonNull(settings, "settings is null");
        this.strictTransportSecurity = settings.strictTransportSecurity();
        this.names = settings.headers().stream().map(SecurityHeadersSettings.Header::name).toArray(String[]::new);
        this.values = settings.headers().stream().map(SecurityHeadersSettings.Header::value).toArray(String[]::new);
        this.remove = settings.remove().toArray(String[]::new);
        this.overrideBackend = settings.overrideBackend();
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        if (exchange.request().isWebSocketUpgrade()) {
            return chain.proceed(exchange);
        }
        return chain.proceed(exchange).thenRun(() -> {
            if (exchange.attribute(APPLIED) == null) {
                exchange.setAttribute(APPLIED, Boolean.TRUE);
                onResponse(exchange);
            }
        });
    }

    @Override
    public int order() {
        return ORDER;
    }

    private void onResponse(Exchange exchange) {
        Headers headers = exchange.response().headers();
        for (String name : remove) {
            headers.remove(name);
        }
        for (int i = 0; i < names.length; i++) {
            put(headers, names[i], values[i]);
        }
        if (strictTransportSecurity != null && isSecure(exchange)) {
            put(headers, STRICT_TRANSPORT_SECURITY, strictTransportSecurity);
        }
    }

    private static boolean isSecure(Exchange exchange) {
        return exchange.connection().isSecure() || "https".equals(exchange.request().scheme());
    }

    private void put(Headers headers, String name, String value) {
        if (overrideBackend || !headers.contains(name)) {
            headers.set(name, value);
        }
    }

    /** Creates the filter for each named instance and each inline use of {@code security-headers}. */
    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "security-headers";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            return new SecurityHeadersFilter(SecurityHeadersSettings.from(config));
        }
    }
}
