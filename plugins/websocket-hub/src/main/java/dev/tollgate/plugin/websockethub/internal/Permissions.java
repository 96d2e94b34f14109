package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.Principal;

import java.util.List;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Who may do what on which channel.
 *
 * <p>A {@linkplain ReservedChannels reserved} channel is refused to every connection, before any
 * rule is looked at. Otherwise rules are tried in order; the <em>first rule whose channel pattern matches the channel</em>
 * decides, a {@code {user}} placeholder matching any value there. That rule grants its rights to
 * the connections it admits and refuses them to every other: it admits a connection when
 * <ul>
 *   <li>every {@code {user}} of its pattern is the connection's user (never an anonymous one),</li>
 *   <li>the connection's principal has one of its {@code roles}, when it lists roles, and</li>
 *   <li>the connection is authenticated, unless the rule says {@code anonymous = true}.</li>
 * </ul>
 * A channel no rule matches is refused. Because a later, broader rule never reopens what an
 * earlier one decided, {@code { channels = "user:{user}", subscribe = true }} placed before
 * {@code { channels = "*", subscribe = true, anonymous = true }} keeps every {@code user:…}
 * channel to its owner.
 *
 * <p>Immutable and thread-safe.
 */
final class Permissions {
    private final List<Rule> rules;
    private final ReservedChannels reserved;

    Permissions(List<Rule> rules, ReservedChannels reserved) {
        this.rules = List.copyOf(rules);
        this.reserved = requireNonNull(reserved, "reserved is null");
    }

    /** The rights of a connection on a channel; {@code principal} is null for anonymous connections. */
    Rights rightsOf(String channel, Principal principal) {
        if (reserved.isReserved(channel)) {
            return Rights.NONE;
        }
        for (Rule rule : rules) {
            if (rule.channels().matchesAnyUser(channel)) {
                return rule.admits(channel, principal) ? rule.rights() : Rights.NONE;
            }
        }
        return Rights.NONE;
    }

    /** The channels no rule can open. */
    ReservedChannels reserved() {
        return reserved;
    }

    /** What a rule grants. */
    record Rights(boolean subscribe, boolean publish, boolean presence) {
        static final Rights NONE = new Rights(false, false, false);
    }

    /**
     * One rule.
     *
     * @param channels the channels it decides for
     * @param roles roles one of which an admitted principal must have; empty for any
     * @param anonymous whether it admits anonymous connections (only without roles and {@code {user}})
     * @param rights what it grants to admitted connections
     */
    record Rule(ChannelPattern channels, Set<String> roles, boolean anonymous, Rights rights) {
        Rule {
            requireNonNull(channels, "channels is null");
            roles = Set.copyOf(requireNonNull(roles, "roles is null"));
            requireNonNull(rights, "rights is null");
            if (anonymous && (!roles.isEmpty() || channels.hasUser())) {
                throw new IllegalArgumentException("anonymous connections have no user and no roles");
            }
        }

        boolean admits(String channel, Principal principal) {
            if (principal == null) {
                return anonymous;
            }
            if (!roles.isEmpty() && roles.stream().noneMatch(principal::hasRole)) {
                return false;
            }
            return channels.matchesUser(channel, principal.name());
        }
    }
}
