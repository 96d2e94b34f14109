package dev.tollgate.plugin.ratelimit.internal;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Exchange;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** One part of a policy's key, read from an exchange; empty when the exchange does not have it. */
public sealed interface KeySource {
    /** Separates the parts of a composite key; cannot occur in any part (header values are visible ASCII). */
    char SEPARATOR = '\u001f';

    Optional<String> read(Exchange exchange);

    /** The client's address as the runtime decided it ({@code trusted-proxies}). */
    record Ip() implements KeySource {
        @Override
        public Optional<String> read(Exchange exchange) {
            InetAddress address = exchange.clientAddress();
            return address == null ? Optional.empty() : Optional.of(address.getHostAddress());
        }
    }

    /** The authenticated principal's name, whatever authenticated it. */
    record PrincipalName() implements KeySource {
        @Override
        public Optional<String> read(Exchange exchange) {
            return exchange.principal().map(Principal::name);
        }
    }

    /** The consumer of an API key: a principal authenticated with scheme {@code api-key}. */
    record ApiKeyConsumer() implements KeySource {
        static final String SCHEME = "api-key";

        @Override
        public Optional<String> read(Exchange exchange) {
            return exchange.principal().filter(principal -> SCHEME.equals(principal.scheme())).map(Principal::name);
        }
    }

    /** The matched route's id; none before routing or for a request no route matched. */
    record Route() implements KeySource {
        @Override
        public Optional<String> read(Exchange exchange) {
            String id = exchange.route().id();
            return id == null || id.isEmpty() ? Optional.empty() : Optional.of(id);
        }
    }

    /** A request header's (first) value; none when absent or empty. */
    record Header(String name) implements KeySource {
        public Header {
            requireNonNull(name, "name is null");
        }

        @Override
        public Optional<String> read(Exchange exchange) {
            String value = exchange.request().headers().get(name);
            return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
        }
    }

    /** Parses one key name of the configuration, e.g. {@code ip} or {@code header:X-Tenant}. */
    static Optional<KeySource> parse(String text) {
        String trimmed = text.trim();
        if (trimmed.toLowerCase(Locale.ROOT).startsWith("header:")) {
            String header = trimmed.substring("header:".length()).trim();
            return header.isEmpty() ? Optional.empty() : Optional.of(new Header(header));
        }
        return switch (trimmed) {
            case "ip" -> Optional.of(new Ip());
            case "principal" -> Optional.of(new PrincipalName());
            case "api-key" -> Optional.of(new ApiKeyConsumer());
            case "route" -> Optional.of(new Route());
            default -> Optional.empty();
        };
    }

    /** The composite key of {@code sources} for {@code exchange}; empty when any part is missing. */
    static Optional<String> read(List<KeySource> sources, Exchange exchange) {
        StringBuilder key = new StringBuilder();
        for (KeySource source : sources) {
            Optional<String> part = source.read(exchange);
            if (part.isEmpty()) {
                return Optional.empty();
            }
            if (key.length() > 0) {
                key.append(SEPARATOR);
            }
            key.append(part.get());
        }
        return Optional.of(key.toString());
    }
}
