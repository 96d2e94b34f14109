package dev.tollgate.api;

import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Who an exchange is on behalf of, as established by an authentication filter.
 *
 * <p>Immutable. {@link #name()} is the stable subject (a user id, an API key's owner);
 * {@link #roles()} drive authorisation rules; {@link #claims()} carry whatever else the
 * authenticating filter learned (token claims, key metadata), with JSON-like values.
 */
public final class Principal implements java.security.Principal {
    private final String name;
    private final String scheme;
    private final Set<String> roles;
    private final Map<String, Object> claims;

    private Principal(String name, String scheme, Set<String> roles, Map<String, Object> claims) {
        this.name = requireNonNull(name, "name is null");
        this.scheme = requireNonNull(scheme, "scheme is null");
        this.roles = Set.copyOf(requireNonNull(roles, "roles is null"));
        this.claims = Map.copyOf(requireNonNull(claims, "claims is null"));
    }

    /**
     * A principal.
     *
     * @param name the subject
     * @param scheme how it was authenticated, e.g. {@code jwt}, {@code api-key}
     * @param roles roles for authorisation rules
     * @param claims further attributes; values are strings, numbers, booleans, lists or maps
     */
    public static Principal of(String name, String scheme, Set<String> roles, Map<String, Object> claims) {
        return new Principal(name, scheme, roles, claims);
    }

    @Override
    public String getName() {
        return name;
    }

    /** The subject. Same as {@link #getName()}. */
    public String name() {
        return name;
    }

    /** How the principal was authenticated, e.g. {@code jwt}. */
    public String scheme() {
        return scheme;
    }

    public Set<String> roles() {
        return roles;
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    public Map<String, Object> claims() {
        return claims;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Principal that
                && name.equals(that.name) && scheme.equals(that.scheme)
                && roles.equals(that.roles) && claims.equals(that.claims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + scheme.hashCode();
    }

    @Override
    public String toString() {
        return "Principal[" + scheme + ":" + name + ", roles=" + roles + "]";
    }
}
