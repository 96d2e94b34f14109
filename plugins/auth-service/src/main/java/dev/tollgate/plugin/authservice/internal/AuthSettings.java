package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One use of the filter, read once from its block and checked.
 *
 * @param service the {@code gateway.services} entry of the authentication service
 * @param tokenSources where the token is looked for, in order
 * @param optional whether a request without a token goes on anonymous
 * @param realm the realm of the 401's challenge
 * @param deadline the longest a validation may take, retries included
 * @param onUnavailable what to do when the service cannot answer
 * @param cache how verdicts are cached
 * @param method the method called, {@code package.Service/Method}
 * @param descriptorSet the descriptor set describing {@code method}, absolute; empty for the shipped proto
 * @param fields where the token and the verdict are in the method's messages
 */
record AuthSettings(String service, List<TokenSource> tokenSources, boolean optional, String realm, Duration deadline,
                    OnUnavailable onUnavailable, Cache cache, String method, Optional<Path> descriptorSet, Fields fields) {

    AuthSettings {
        requireNonNull(service, "service is null");
        tokenSources = List.copyOf(tokenSources);
        requireNonNull(realm, "realm is null");
        requireNonNull(deadline, "deadline is null");
        requireNonNull(onUnavailable, "onUnavailable is null");
        requireNonNull(cache, "cache is null");
        requireNonNull(method, "method is null");
        requireNonNull(descriptorSet, "descriptorSet is null");
        requireNonNull(fields, "fields is null");
    }

    /** What the filter does when the service cannot answer. */
    enum OnUnavailable {
        /** Answer 503. */
        FAIL_CLOSED,
        /** Let the request go on without a principal. */
        ALLOW_ANONYMOUS
    }

    /**
     * @param ttl how long a valid verdict is kept; zero: not at all
     * @param negativeTtl how long an invalid verdict is kept; zero: not at all
     * @param maxEntries the most verdicts kept
     */
    record Cache(Duration ttl, Duration negativeTtl, int maxEntries) {
        boolean enabled() {
            return maxEntries > 0 && (!ttl.isZero() || !negativeTtl.isZero());
        }
    }

    /**
     * Field paths (dot-separated through nested messages); {@code roles}, {@code claims},
     * {@code expiresAt} and {@code reason} may be empty for "not in the answer".
     */
    record Fields(String token, String valid, String userId, String roles, String claims, String expiresAt, String reason) {
    }

    /**
     * Reads a filter block.
     *
     * @param home the directory a relative descriptor set path is resolved against
     * @throws InvalidConfigException naming the key at fault
     */
    static AuthSettings from(PluginConfig config, Path home) {
        String service = config.getString("service");
        if (service.isBlank()) {
            throw config.error("service", "missing: name the gateway.services entry of the authentication service, e.g. service = auth");
        }
        List<String> sourceTexts = config.getStringList("token-from");
        if (sourceTexts.isEmpty()) {
            throw config.error("token-from", "list at least one source, e.g. [\"header:Authorization\"]");
        }
        List<TokenSource> sources = new ArrayList<>();
        for (String text : sourceTexts) {
            try {
                sources.add(TokenSource.parse(text));
            }
            catch (IllegalArgumentException e) {
                throw config.error("token-from", e.getMessage());
            }
        }
        String realm = config.getString("realm");
        if (!TokenSource.isQuotable(realm)) {
            throw config.error("realm", "must be printable ASCII without '\"' or '\\', got '" + realm + "'");
        }
        Duration deadline = config.getDuration("deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw config.error("deadline", "must be positive, got " + deadline);
        }
        OnUnavailable onUnavailable = switch (config.getString("on-unavailable").toLowerCase(Locale.ROOT)) {
            case "fail-closed" -> OnUnavailable.FAIL_CLOSED;
            case "allow-anonymous" -> OnUnavailable.ALLOW_ANONYMOUS;
            default -> throw config.error("on-unavailable", "must be fail-closed or allow-anonymous, got '"
                    + config.getString("on-unavailable") + "'");
        };

        PluginConfig cacheBlock = config.getConfig("cache");
        Duration ttl = nonNegative(cacheBlock, "ttl");
        Duration negativeTtl = nonNegative(cacheBlock, "negative-ttl");
        int maxEntries = cacheBlock.getInt("max-entries");
        if (maxEntries < 0) {
            throw cacheBlock.error("max-entries", "must be 0 (no cache) or more, got " + maxEntries);
        }

        String method = config.getString("method");
        if (!method.matches("[A-Za-z_][A-Za-z0-9_.]*/[A-Za-z_][A-Za-z0-9_]*")) {
            throw config.error("method", "must be package.Service/Method, e.g. tollgate.auth.v1.AuthService/ValidateToken, got '" + method + "'");
        }
        String descriptorSet = config.getString("descriptor-set");
        Optional<Path> descriptorPath = descriptorSet.isBlank() ? Optional.empty()
                : Optional.of(home.resolve(descriptorSet).toAbsolutePath().normalize());

        PluginConfig fieldsBlock = config.getConfig("fields");
        Fields fields = new Fields(fieldPath(fieldsBlock, "token", true), fieldPath(fieldsBlock, "valid", true),
                fieldPath(fieldsBlock, "user-id", true), fieldPath(fieldsBlock, "roles", false), fieldPath(fieldsBlock, "claims", false),
                fieldPath(fieldsBlock, "expires-at", false), fieldPath(fieldsBlock, "reason", false));
        return new AuthSettings(service, sources, config.getBoolean("optional"), realm, deadline, onUnavailable,
                new Cache(ttl, negativeTtl, maxEntries), method, descriptorPath, fields);
    }

    private static String fieldPath(PluginConfig config, String key, boolean required) {
        String path = config.getString(key);
        if (path.isEmpty() && !required) {
            return path;
        }
        if (!path.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
            throw config.error(key, (required ? "must be a field name or a dotted path (user.id)"
                    : "must be a field name, a dotted path (user.id), or \"\" for none") + ", got '" + path + "'");
        }
        return path;
    }

    private static Duration nonNegative(PluginConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative()) {
            throw config.error(key, "must not be negative, got " + value);
        }
        return value;
    }
}
