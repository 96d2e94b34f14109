package dev.tollgate.plugin.websockethub.internal;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The channel policies of the hub: the first entry whose pattern matches a channel gives its
 * policy, the defaults apply to every other channel.
 *
 * <p>Immutable and thread-safe.
 */
final class ChannelPolicies {
    private final List<Entry> entries;
    private final ChannelPolicy defaults;

    ChannelPolicies(List<Entry> entries, ChannelPolicy defaults) {
        this.entries = List.copyOf(entries);
        this.defaults = requireNonNull(defaults, "defaults is null");
    }

    ChannelPolicy policyFor(String channel) {
        for (Entry entry : entries) {
            if (entry.channels().matchesAnyUser(channel)) {
                return entry.policy();
            }
        }
        return defaults;
    }

    /** One configured entry. */
    record Entry(ChannelPattern channels, ChannelPolicy policy) {
        Entry {
            requireNonNull(channels, "channels is null");
            requireNonNull(policy, "policy is null");
        }
    }
}
