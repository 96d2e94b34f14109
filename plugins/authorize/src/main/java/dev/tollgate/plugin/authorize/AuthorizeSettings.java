package dev.tollgate.plugin.authorize;

import dev.tollgate.api.PluginConfig;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * One use of the {@code authorize} filter, read once and validated (see {@code reference.conf}
 * for the keys and their defaults).
 *
 * @param roles {@code roles}
 * @param scopes {@code scopes}
 * @param claims {@code claims}: claim name to the value it must have (or contain), sorted by name (HOCON keeps
 *        no order of a block's keys, and the first claim that fails is the one a 403 names)
 * @param realm {@code realm}
 */
record AuthorizeSettings(Rule roles, Rule scopes, Map<String, String> claims, String realm) {

    AuthorizeSettings {
        requireNonNull(roles, "roles is null");
        requireNonNull(scopes, "scopes is null");
        claims = Collections.unmodifiableMap(new TreeMap<>(claims));
        requireNonNull(realm, "realm is null");
    }

    /**
     * A rule on a set of names the principal holds (roles or scopes).
     *
     * @param anyOf at least one of these must be held; empty: no such rule
     * @param allOf every one of these must be held; empty: no such rule
     */
    record Rule(Set<String> anyOf, Set<String> allOf) {
        Rule {
            anyOf = Set.copyOf(anyOf);
            allOf = Set.copyOf(allOf);
        }

        /** Whether the rule asks for anything. */
        boolean isEmpty() {
            return anyOf.isEmpty() && allOf.isEmpty();
        }

        /** The part of the rule ({@code any-of} or {@code all-of}) that {@code held} does not meet, or {@code null} when it meets both. */
        String unmetBy(Set<String> held) {
            if (!anyOf.isEmpty() && anyOf.stream().noneMatch(held::contains)) {
                return "any-of";
            }
            if (!held.containsAll(allOf)) {
                return "all-of";
            }
            return null;
        }
    }

    /**
     * Reads and checks one use's configuration.
     *
     * @throws dev.tollgate.api.InvalidConfigException naming the key of the first unacceptable value
     */
    static AuthorizeSettings from(PluginConfig config) {
        Rule roles = rule(config.getConfig("roles"));
        Rule scopes = rule(config.getConfig("scopes"));
        Map<String, String> claims = config.getStringMap("claims");
        for (Map.Entry<String, String> claim : claims.entrySet()) {
            if (claim.getKey().isEmpty()) {
                throw config.error("claims", "a claim name must not be empty");
            }
        }
        String realm = config.getString("realm");
        if (realm.isEmpty() || !realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
            throw config.error("realm", "must be non-empty printable ASCII without quotes or backslashes");
        }
        return new AuthorizeSettings(roles, scopes, claims, realm);
    }

    private static Rule rule(PluginConfig block) {
        return new Rule(names(block, "any-of"), names(block, "all-of"));
    }

    private static Set<String> names(PluginConfig block, String key) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : block.getStringList(key)) {
            if (name.isBlank() || !name.strip().equals(name) || name.contains(" ")) {
                throw block.error(key, "'" + name + "' is not a name: names are non-empty and hold no spaces");
            }
            names.add(name);
        }
        return names;
    }
}
