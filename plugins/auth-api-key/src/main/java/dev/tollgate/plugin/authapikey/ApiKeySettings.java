package dev.tollgate.plugin.authapikey;

import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.Principal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One use of the {@code api-key} filter, read once and validated (see {@code reference.conf} for
 * the keys and their defaults).
 *
 * @param header {@code header}
 * @param queryParameter {@code query-parameter}, or {@code null} when off
 * @param keys {@code keys}, each with its hash and the principal it authenticates
 * @param optional {@code optional}
 * @param strip {@code strip}
 * @param realm {@code realm}
 */
record ApiKeySettings(String header, String queryParameter, List<ConsumerKey> keys, boolean optional, boolean strip, String realm) {
    /** The authentication scheme of the principals this filter establishes. */
    static final String SCHEME = "api-key";
    /** The claim that always carries the consumer's name. */
    static final String CONSUMER_CLAIM = "consumer";

    private static final int SHA256_HEX_LENGTH = 64;
    private static final Set<String> KEY_ENTRY_KEYS = Set.of("sha256", "consumer", "roles", "claims");

    ApiKeySettings {
        requireNonNull(header, "header is null");
        keys = List.copyOf(keys);
        requireNonNull(realm, "realm is null");
    }

    /**
     * One accepted key: the SHA-256 of the key (never the key itself) and the principal it stands for.
     *
     * @param sha256 the 32 bytes of the digest; not copied, never handed out of the plugin (so the record's
     *        equality, which compares the array by identity, is never relied on)
     * @param principal the consumer as a principal
     */
    record ConsumerKey(byte[] sha256, Principal principal) {
        ConsumerKey {
            requireNonNull(sha256, "sha256 is null");
            requireNonNull(principal, "principal is null");
        }
    }

    /**
     * Reads and checks one use's configuration.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of the first unacceptable
     *         value; for a key entry, {@code keys[i].<field>}. Messages name the consumer, never a
     *         hash or a part of one.
     */
    static ApiKeySettings from(PluginConfig config) {
        String header = config.getString("header");
        if (!isToken(header)) {
            throw config.error("header", "'" + header + "' is not a header name");
        }
        String queryParameter = null;
        if (config.has("query-parameter")) {
            queryParameter = config.getString("query-parameter");
            if (queryParameter.isEmpty()) {
                throw config.error("query-parameter", "must not be empty; leave it null to turn the query parameter off");
            }
        }
        String realm = config.getString("realm");
        if (realm.isEmpty() || !realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
            throw config.error("realm", "must be non-empty printable ASCII without quotes or backslashes");
        }
        return new ApiKeySettings(header, queryParameter, readKeys(config), config.getBoolean("optional"), config.getBoolean("strip"), realm);
    }

    private static List<ConsumerKey> readKeys(PluginConfig config) {
        List<ConsumerKey> keys = new ArrayList<>();
        Map<String, String> consumersByHash = new LinkedHashMap<>();
        List<PluginConfig> entries = config.getConfigList("keys");
        for (int i = 0; i < entries.size(); i++) {
            PluginConfig entry = entries.get(i);
            String where = "keys[" + i + "]";
            entry.refuseUnknownKeys(KEY_ENTRY_KEYS);
            if (!entry.has("consumer") || entry.getString("consumer").isBlank()) {
                throw config.error("keys", where + ".consumer: must be a non-empty name, the principal of requests with this key");
            }
            String consumer = entry.getString("consumer");
            if (!entry.has("sha256")) {
                throw config.error("keys", where + " (consumer '" + consumer + "').sha256: missing; the lowercase hex SHA-256 of the key"
                        + " (bin/gateway hash-key prints it)");
            }
            String hash = entry.getString("sha256").toLowerCase(Locale.ROOT);
            if (hash.length() != SHA256_HEX_LENGTH || !hash.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                throw config.error("keys", where + " (consumer '" + consumer + "').sha256: must be 64 hex digits, the SHA-256 of the key"
                        + " (bin/gateway hash-key prints it), not the key itself");
            }
            String previous = consumersByHash.putIfAbsent(hash, consumer);
            if (previous != null) {
                throw config.error("keys", where + " (consumer '" + consumer + "').sha256: the same hash as the key of consumer '"
                        + previous + "'; each key must be listed once");
            }
            Set<String> roles = new LinkedHashSet<>();
            if (entry.has("roles")) {
                for (String role : entry.getStringList("roles")) {
                    if (role.isBlank()) {
                        throw config.error("keys", where + " (consumer '" + consumer + "').roles: a role must not be empty");
                    }
                    roles.add(role);
                }
            }
            Map<String, Object> claims = new LinkedHashMap<>();
            if (entry.has("claims")) {
                Map<String, Object> configured = entry.getConfig("claims").unwrapped();
                if (configured.containsKey(CONSUMER_CLAIM)) {
                    throw config.error("keys", where + " (consumer '" + consumer + "').claims.consumer: set from consumer, not configurable");
                }
                for (Map.Entry<String, Object> claim : configured.entrySet()) {
                    if (claim.getValue() == null) {
                        throw config.error("keys", where + " (consumer '" + consumer + "').claims." + claim.getKey() + ": must not be null");
                    }
                    claims.put(claim.getKey(), immutable(claim.getValue()));
                }
            }
            claims.put(CONSUMER_CLAIM, consumer);
            keys.add(new ConsumerKey(HexFormat.of().parseHex(hash), Principal.of(consumer, SCHEME, roles, claims)));
        }
        return keys;
    }

    /** A deep copy of a configured claim value whose lists and maps cannot be changed. */
    private static Object immutable(Object value) {
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(element -> copy.add(immutable(element)));
            return Collections.unmodifiableList(copy);
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((key, element) -> copy.put(key, immutable(element)));
            return Collections.unmodifiableMap(copy);
        }
        return value;
    }

    /** Whether {@code text} is a non-empty token of RFC 9110 §5.6.2, as header names are. */
    private static boolean isToken(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c < 0x7f && "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }
}
