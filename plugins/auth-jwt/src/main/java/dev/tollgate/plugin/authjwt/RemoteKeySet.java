package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tollgate.api.health.Health;
import dev.tollgate.api.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The keys of one key server — a JWKS URL, or the {@code jwks_uri} an issuer's OpenID
 * discovery document names — fetched with the JDK's asynchronous HTTP client, never on a
 * request thread, and kept in memory.
 *
 * <p>Refreshed every {@code jwks-refresh-interval}, and on demand when a token names an unknown
 * {@code kid} ({@link #refreshForUnknownKey}), at most once per {@code jwks-min-refresh-interval}:
 * a flood of tokens with made-up key ids costs one request to the key server per interval. When
 * the key server fails, the keys last fetched are kept (stale-while-error): a key server outage
 * does not log everyone out. The outage is logged once at WARN when it starts and once at INFO
 * when it ends, counted, and shown as {@code DEGRADED} on {@code /health}.
 *
 * <p>A plugin-wide resource ({@link dev.tollgate.api.PluginContext#shared}): filters with the same
 * key server settings share one, across reloads. Thread-safe.
 */
final class RemoteKeySet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteKeySet.class);
    /** Larger key sets or discovery documents are refused: a key server is not a file server. */
    static final int MAX_DOCUMENT_BYTES = 1024 * 1024;

    /**
     * What a key set is built from; equal settings share one key set.
     *
     * @param location the JWKS URL, or the issuer whose discovery document names it
     * @param discovery whether {@code location} is an issuer to discover
     */
    record Settings(URI location, boolean discovery, Set<SigningAlgorithm> algorithms, Duration refreshInterval,
                    Duration minRefreshInterval, Duration timeout, boolean allowInsecure) {
        Settings {
            requireNonNull(location, "location is null");
            algorithms = Set.copyOf(algorithms);
        }

        /** What the metrics and messages call this key set: the URL it is read from, or the discovery document's. */
        String label() {
            return discovery ? discoveryUrl().toString() : location.toString();
        }

        URI discoveryUrl() {
            String issuer = location.toString();
            return URI.create((issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
                    + "/.well-known/openid-configuration");
        }
    }

    /** The keys as last fetched, and when. */
    private record Snapshot(List<VerificationKey> keys, Instant fetched) {
    }

    private final Settings settings;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ScheduledFuture<?> periodic;
    private final Metrics.Counter refreshed;
    private final Metrics.Counter failed;
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();

    private volatile Snapshot snapshot;
    private volatile URI discoveredJwksUrl;
    private volatile String lastError;
    private volatile Instant failingSince;
    private CompletableFuture<Void> inFlight;
    private long lastAttemptNanos;
    private boolean attempted;
    private boolean closed;

    RemoteKeySet(Settings settings, Metrics metrics, ScheduledExecutorService scheduler, Clock clock) {
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tollgate-jwks");
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        String label = settings.label();
        this.refreshed = metrics.counter("key_set_refreshes", "key_set", label, "outcome", "ok");
        this.failed = metrics.counter("key_set_refreshes", "key_set", label, "outcome", "failed");
        metrics.gauge("key_set_keys", () -> {
            Snapshot current = snapshot;
            return current == null ? 0 : current.keys().size();
        }, "key_set", label);
        refresh();
        long interval = settings.refreshInterval().toMillis();
        this.periodic = scheduler.scheduleWithFixedDelay(this::refresh, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** The keys as last fetched; empty before the first successful fetch. */
    List<VerificationKey> keys() {
        Snapshot current = snapshot;
        return current == null ? List.of() : current.keys();
    }

    /** Whether keys were ever fetched. */
    boolean loaded() {
        return snapshot != null;
    }

    /** Completes when the first fetch has succeeded or failed. */
    CompletionStage<Void> firstAttempt() {
        return firstAttempt;
    }

    /**
     * Fetches the keys again because a token named a key that is not known, unless a fetch is
     * under way (then its stage) or the last one started less than {@code jwks-min-refresh-interval}
     * ago (then a completed stage). Never fails.
     */
    synchronized CompletionStage<Void> refreshForUnknownKey() {
        if (inFlight != null) {
            return inFlight;
        }
        if (attempted && System.nanoTime() - lastAttemptNanos < settings.minRefreshInterval().toNanos()) {
            return CompletableFuture.completedFuture(null);
        }
        return refresh();
    }

    /** Starts a fetch unless one is under way; the stage completes when it ended, never exceptionally. */
    synchronized CompletableFuture<Void> refresh() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        if (inFlight != null) {
            return inFlight;
        }
        attempted = true;
        lastAttemptNanos = System.nanoTime();
        CompletableFuture<Void> fetch = jwksUrl()
                .thenCompose(url -> get(url, "key set"))
                .thenAccept(this::accept)
                .handle((ignored, failure) -> {
                    ended(failure);
                    return null;
                });
        inFlight = fetch;
        if (fetch.isDone()) {
            inFlight = null;
        }
        return fetch;
    }

    private CompletableFuture<URI> jwksUrl() {
        if (!settings.discovery()) {
            return CompletableFuture.completedFuture(settings.location());
        }
        URI known = discoveredJwksUrl;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return get(settings.discoveryUrl(), "discovery document").thenApply(this::discovered);
    }

    /** The jwks_uri of a discovery document, after checking that it is the configured issuer's (OpenID Discovery §4.3). */
    private URI discovered(String document) {
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(document, MAX_DOCUMENT_BYTES);
        }
        catch (ParseException e) {
            throw new CompletionException(new KeySetException("the discovery document is not a JSON object"));
        }
        Object issuer = json.get("issuer");
        if (!settings.location().toString().equals(issuer)) {
            throw new CompletionException(new KeySetException("the discovery document names another issuer"));
        }
        if (!(json.get("jwks_uri") instanceof String jwksUri)) {
            throw new CompletionException(new KeySetException("the discovery document has no jwks_uri"));
        }
        URI url;
        try {
            url = new URI(jwksUri);
        }
        catch (URISyntaxException e) {
            throw new CompletionException(new KeySetException("the discovery document's jwks_uri is not a URL"));
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        boolean acceptable = url.getHost() != null && (scheme.equals("https")
                || scheme.equals("http") && (settings.allowInsecure() || JwtSettings.isLoopback(url.getHost())));
        if (!acceptable) {
            throw new CompletionException(new KeySetException("the discovery document's jwks_uri is not an https URL"));
        }
        discoveredJwksUrl = url;
        return url;
    }

    private CompletableFuture<String> get(URI url, String what) {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(settings.timeout())
                .header("Accept", "application/json")
                .GET()
                .build();
        // The JDK completes sendAsync's stage on the common pool (a new thread per task where it has
        // one core's parallelism); continue on this key set's own thread.
        BoundedBody bounded = new BoundedBody(what);
        return client.sendAsync(request, info -> info.statusCode() == 200 ? bounded : HttpResponse.BodySubscribers.replacing(null))
                .handleAsync((response, failure) -> {
                    if (failure != null && bounded.tooLarge()) {
                        throw new CompletionException(bounded.tooLargeException());
                    }
                    if (failure != null) {
                        throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
                    }
                    if (response.statusCode() != 200) {
                        throw new CompletionException(new KeySetException(what + " answered " + response.statusCode()));
                    }
                    return new String(response.body(), StandardCharsets.UTF_8);
                }, executor);
    }

    /**
     * Collects a response body of at most {@link #MAX_DOCUMENT_BYTES}, and cancels the response as
     * soon as it grows beyond: a key server is not a file server, and must not fill the heap.
     */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final String what;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
        private Flow.Subscription subscription;
        private volatile boolean tooLarge;

        BoundedBody(String what) {
            this.what = what;
        }

        /** Whether the body was cancelled for its size (the client then fails the response with its own IOException). */
        boolean tooLarge() {
            return tooLarge;
        }

        KeySetException tooLargeException() {
            return new KeySetException(what + " is larger than " + MAX_DOCUMENT_BYTES + " bytes");
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if (collected.size() + buffer.remaining() > MAX_DOCUMENT_BYTES) {
                    tooLarge = true;
                    subscription.cancel();
                    body.completeExceptionally(tooLargeException());
                    return;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                collected.writeBytes(bytes);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(collected.toByteArray());
        }
    }

    private void accept(String document) {
        JWKSet set;
        try {
            set = JWKSet.parse(document);
        }
        catch (ParseException e) {
            throw new CompletionException(new KeySetException("the key set is not a JWK set (RFC 7517 §5)"));
        }
        List<VerificationKey> keys = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.isPrivate()) {
                continue;
            }
            Set<SigningAlgorithm> algorithms = VerificationKey.algorithmsFor(jwk, settings.algorithms());
            if (!algorithms.isEmpty()) {
                try {
                    keys.add(VerificationKey.of(jwk.getKeyID(), jwk, algorithms, settings.label()));
                }
                catch (IllegalArgumentException e) {
                    LOG.debug("Key set {}: key '{}' skipped: {}", settings.label(), jwk.getKeyID(), e.getMessage());
                }
            }
        }
        snapshot = new Snapshot(List.copyOf(keys), clock.instant());
    }

    private void ended(Throwable failure) {
        synchronized (this) {
            inFlight = null;
        }
        if (failure == null) {
            refreshed.increment();
            if (failingSince != null) {
                LOG.info("Key set {} is reachable again after failing since {}; {} keys", settings.label(), failingSince, keys().size());
            }
            failingSince = null;
            lastError = null;
        }
        else {
            failed.increment();
            discoveredJwksUrl = null;
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            String error = cause instanceof KeySetException ? cause.getMessage() : cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            lastError = error;
            if (failingSince == null) {
                failingSince = clock.instant();
                LOG.warn("Key set {} cannot be fetched ({}); {}", settings.label(), error, loaded()
                        ? "keeping the " + keys().size() + " keys fetched at " + snapshot.fetched() + " until it can"
                        : "tokens cannot be checked with its keys until it can");
            }
        }
        firstAttempt.complete(null);
    }

    /** This key set's state for {@code /health}: up, degraded while serving stale keys, down with none. */
    Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("url", settings.label());
        Snapshot current = snapshot;
        details.put("keys", current == null ? 0 : current.keys().size());
        if (current != null) {
            details.put("fetched", current.fetched().toString());
        }
        Instant since = failingSince;
        if (since == null) {
            return current == null ? new Health(Health.Status.DOWN, Map.of("url", settings.label(), "reason", "not fetched yet"))
                    : Health.up(details);
        }
        details.put("reason", "key server failing since " + since + ": " + lastError);
        return new Health(current == null ? Health.Status.DOWN : Health.Status.DEGRADED, details);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        periodic.cancel(false);
        executor.shutdownNow();
        firstAttempt.complete(null);
    }

    /** A key server answered something unusable; the message is safe to log. */
    static final class KeySetException extends Exception {
        private static final long serialVersionUID = 1L;

        KeySetException(String message) {
            super(message, null, false, false);
        }
    }
}
