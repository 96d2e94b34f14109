package dev.tollgate.plugin.authapikey;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Filter;
import dev.tollgate.api.http.FilterFactory;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.plugin.authapikey.ApiKeySettings.ConsumerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * Authenticates the exchanges of the routes that use one instance by the API key they present.
 *
 * <ul>
 *   <li>The key is the value of the configured header; when that header is absent and a query
 *       parameter is configured, that parameter's value. A key presented twice (two header fields,
 *       or the parameter twice) is ambiguous and refused as invalid.</li>
 *   <li>A valid key makes its consumer the exchange's principal and the exchange goes on, without
 *       the key when {@code strip} is on (the header and the query parameter are removed).</li>
 *   <li>No key: {@code 401 UNAUTHORIZED}, unless {@code optional}, when the exchange goes on without
 *       a principal. A key that matches no configured hash: {@code 401} always. Both 401s carry
 *       {@code WWW-Authenticate: ApiKey realm="…"} and are the gateway's JSON error.</li>
 * </ul>
 *
 * <p>The filter does not look at a principal set by a filter before it: in a chain that accepts
 * either of two credentials, make both authentications optional and let {@code authorize} require
 * a principal.
 *
 * <p>Nothing is logged with a key or any part of its hash; debug lines name the request id and,
 * once authenticated, the consumer. Per request the filter hashes the presented key once and
 * compares the digest with every configured one; it never blocks.
 */
final class ApiKeyFilter implements Filter {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final String SHA_256 = "SHA-256";

    private final ApiKeySettings settings;
    private final ConsumerKey[] keys;
    private final String challenge;
    private final String missingMessage;
    private final Metrics.Counter ok;
    private final Metrics.Counter missing;
    private final Metrics.Counter invalid;

    /**
     * @param instance the instance's label on metrics: the path of its configuration block
     *        ({@code gateway.filters.<name>} for a named instance, {@code gateway.routes[i].filters[j]}
     *        for an inline one), the one name the SPI gives each instance ({@code PluginConfig.name()}
     *        is the filter type for both)
     */
    ApiKeyFilter(String instance, ApiKeySettings settings, Metrics metrics) {
        requireNonNull(instance, "instance is null");
        this.settings = requireNonNull(settings, "settings is null");
        requireNonNull(metrics, "metrics is null");
        this.keys = settings.keys().toArray(ConsumerKey[]::new);
        this.challenge = "ApiKey realm=\"" + settings.realm() + "\"";
        this.missingMessage = "API key required in the " + settings.header() + " header"
                + (settings.queryParameter() == null ? "" : " or the " + settings.queryParameter() + " query parameter");
        this.ok = metrics.counter("authentications", "filter", instance, "outcome", "ok");
        this.missing = metrics.counter("authentications", "filter", instance, "outcome", "missing");
        this.invalid = metrics.counter("authentications", "filter", instance, "outcome", "invalid");
        // On a JVM without SHA-256 (none conforms), fail at start-up rather than on the first request.
        sha256(new byte[0]);
    }

    @Override
    public CompletionStage<Void> filter(Exchange exchange, Chain chain) {
        Exchange.Request request = exchange.request();
        List<String> headerValues = request.headers().getAll(settings.header());
        int headerCount = headerValues.size();
        String headerKey = headerCount == 0 ? null : headerValues.get(0);
        QueryKey queryKey = settings.queryParameter() == null ? QueryKey.NONE : QueryKey.read(request.query(), settings.queryParameter());
        if (settings.strip()) {
            if (headerCount > 0) {
                request.headers().remove(settings.header());
            }
            if (queryKey.count() > 0) {
                request.setQuery(queryKey.remainingQuery());
            }
        }

        String presented;
        if (headerCount > 1 || headerCount == 0 && queryKey.count() > 1) {
            return refuse(exchange, invalid, "more than one API key presented");
        }
        else if (headerCount == 1) {
            presented = headerKey;
        }
        else if (queryKey.count() == 1) {
            presented = queryKey.value();
        }
        else {
            missing.increment();
            if (settings.optional()) {
                log.debug("Request {}: no API key, going on anonymously", exchange.requestId());
                return chain.proceed(exchange);
            }
            log.debug("Request {}: no API key", exchange.requestId());
            return CompletableFuture.failedStage(unauthorized(missingMessage));
        }

        ConsumerKey match = match(sha256(presented.getBytes(StandardCharsets.UTF_8)));
        if (match == null) {
            return refuse(exchange, invalid, "API key not valid");
        }
        ok.increment();
        log.debug("Request {}: API key of consumer {}", exchange.requestId(), match.principal().name());
        exchange.setPrincipal(match.principal());
        return chain.proceed(exchange);
    }

    /**
     * The configured key whose hash equals {@code digest}, or {@code null}.
     *
     * <p>Constant time, by design rather than by argument: every configured hash is compared with
     * {@link MessageDigest#isEqual} (which does not stop at the first differing byte) and the loop
     * does not stop at a match, so the time taken depends on the number of configured keys only —
     * not on which key matched, whether any did, or how many leading bytes a wrong digest shared
     * with a right one. A hash map keyed by the digest would be O(1), and what its timing could
     * reveal is only about digests, from which a key cannot be recovered; but that argument rests
     * on the keys being high-entropy and on the map's internals, while a full scan of 32-byte
     * comparisons is a few nanoseconds per key and needs no argument at all. Hashes are unique
     * (checked at creation), so at most one entry matches.
     */
    private ConsumerKey match(byte[] digest) {
        ConsumerKey found = null;
        for (ConsumerKey key : keys) {
            boolean equal = MessageDigest.isEqual(key.sha256(), digest);
            found = equal ? key : found;
        }
        return found;
    }

    private CompletionStage<Void> refuse(Exchange exchange, Metrics.Counter outcome, String message) {
        outcome.increment();
        log.debug("Request {}: {}", exchange.requestId(), message);
        return CompletableFuture.failedStage(unauthorized(message));
    }

    private GatewayException unauthorized(String message) {
        return new GatewayException(ErrorCode.UNAUTHORIZED, message).withHeader("WWW-Authenticate", challenge);
    }

    @Override
    public int order() {
        return Order.AUTHENTICATION;
    }

    /** The SHA-256 digest of {@code bytes}. */
    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance(SHA_256).digest(bytes);
        }
        catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's javadoc).
            throw new IllegalStateException("this JVM offers no SHA-256 MessageDigest", e);
        }
    }

    /**
     * What the query says about the key parameter: how often it occurs, its first value (decoded),
     * and the query without it (encoded as it came, {@code null} when nothing is left).
     */
    record QueryKey(int count, String value, String remainingQuery) {
        static final QueryKey NONE = new QueryKey(0, null, null);

        static QueryKey read(String query, String parameter) {
            if (query == null || query.isEmpty()) {
                return NONE;
            }
            int count = 0;
            String value = null;
            StringBuilder remaining = new StringBuilder(query.length());
            for (String pair : query.split("&", -1)) {
                int equals = pair.indexOf('=');
                String name = decode(equals < 0 ? pair : pair.substring(0, equals));
                if (name.equals(parameter)) {
                    if (count++ == 0) {
                        value = equals < 0 ? "" : decode(pair.substring(equals + 1));
                    }
                    continue;
                }
                if (!remaining.isEmpty()) {
                    remaining.append('&');
                }
                remaining.append(pair);
            }
            return count == 0 ? NONE : new QueryKey(count, value, remaining.isEmpty() ? null : remaining.toString());
        }

        /** Form decoding ({@code +} is a space); a malformed escape is compared as written. */
        private static String decode(String text) {
            try {
                return URLDecoder.decode(text, StandardCharsets.UTF_8);
            }
            catch (IllegalArgumentException e) {
                return text;
            }
        }
    }

    /** Creates the filter for each named instance and each inline use of {@code api-key}. */
    static final class Factory implements FilterFactory {
        @Override
        public String name() {
            return "api-key";
        }

        @Override
        public Filter create(PluginConfig config, PluginContext context) {
            return new ApiKeyFilter(config.path(), ApiKeySettings.from(config), context.metrics());
        }

        /** The key list: hashes and the consumers they belong to are not for logs. */
        @Override
        public Set<String> sensitiveKeys() {
            return Set.of("keys");
        }
    }
}
