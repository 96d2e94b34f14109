package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.http.Headers;
import io.grpc.Metadata;

import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * What crosses between HTTP headers and gRPC metadata: the allowlisted request headers, the
 * request id, the trace context and the principal to the instance; the allowlisted response
 * metadata (headers and trailers) back to the client. Metadata names ending in {@code -bin} are
 * binary: their header values are base64.
 */
final class MetadataRules {
    private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> USER_ID = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> USER_ROLES = Metadata.Key.of("x-user-roles", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> TRACE_CONTEXT = Set.of("traceparent", "tracestate");

    private final Set<String> requestHeaders;
    private final Set<String> responseHeaders;

    MetadataRules(Set<String> requestHeaders, Set<String> responseHeaders) {
        this.requestHeaders = Set.copyOf(requireNonNull(requestHeaders, "requestHeaders is null"));
        this.responseHeaders = Set.copyOf(requireNonNull(responseHeaders, "responseHeaders is null"));
    }

    /** The metadata of a call for the exchange. */
    Metadata requestMetadata(Exchange exchange) {
        Metadata metadata = new Metadata();
        Headers headers = exchange.request().headers();
        for (String name : requestHeaders) {
            copy(headers, name, metadata);
        }
        for (String name : TRACE_CONTEXT) {
            if (!requestHeaders.contains(name)) {
                copy(headers, name, metadata);
            }
        }
        metadata.removeAll(REQUEST_ID);
        metadata.put(REQUEST_ID, exchange.requestId());
        Optional<Principal> principal = exchange.principal();
        metadata.removeAll(USER_ID);
        metadata.removeAll(USER_ROLES);
        principal.ifPresent(user -> {
            metadata.put(USER_ID, user.name());
            if (!user.roles().isEmpty()) {
                metadata.put(USER_ROLES, String.join(",", new TreeSet<>(user.roles())));
            }
        });
        return metadata;
    }

    private static void copy(Headers headers, String name, Metadata metadata) {
        for (String value : headers.getAll(name)) {
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                try {
                    metadata.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER), Base64.getDecoder().decode(value.trim()));
                }
                catch (IllegalArgumentException e) {
                    // Not base64: not sent, as a header that is no valid metadata value.
                }
            }
            else if (isAscii(value)) {
                metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
            }
        }
    }

    private static boolean isAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Adds the allowlisted fields of response metadata (headers or trailers) to the response headers. */
    void copyToResponse(Metadata metadata, Headers response) {
        forEachResponseField(metadata, response::add);
    }

    /**
     * Hands each allowlisted field of response metadata (headers or trailers) to {@code field} as
     * a name and an HTTP header value (base64 for {@code -bin} names), in the metadata's order.
     */
    void forEachResponseField(Metadata metadata, BiConsumer<String, String> field) {
        if (metadata == null) {
            return;
        }
        for (String name : metadata.keys()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!responseHeaders.contains(lower)) {
                continue;
            }
            if (lower.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                Iterable<byte[]> values = metadata.getAll(Metadata.Key.of(lower, Metadata.BINARY_BYTE_MARSHALLER));
                if (values != null) {
                    values.forEach(value -> field.accept(name, Base64.getEncoder().encodeToString(value)));
                }
            }
            else {
                Iterable<String> values = metadata.getAll(Metadata.Key.of(lower, Metadata.ASCII_STRING_MARSHALLER));
                if (values != null) {
                    values.forEach(value -> field.accept(name, value));
                }
            }
        }
    }

    /**
     * The client's {@code grpc-timeout} (gRPC over HTTP/2: 1–8 digits and a unit H M S m u n), or
     * null when absent or malformed.
     */
    static Duration clientTimeout(Headers headers) {
        String value = headers.get("grpc-timeout");
        if (value == null || value.length() < 2 || value.length() > 9) {
            return null;
        }
        String digits = value.substring(0, value.length() - 1);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return null;
            }
        }
        long amount = Long.parseLong(digits);
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> Duration.ofHours(amount);
            case 'M' -> Duration.ofMinutes(amount);
            case 'S' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMillis(amount);
            case 'u' -> Duration.ofNanos(amount * 1000);
            case 'n' -> Duration.ofNanos(amount);
            default -> null;
        };
    }
}
