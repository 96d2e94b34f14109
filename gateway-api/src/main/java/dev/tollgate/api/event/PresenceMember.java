package dev.tollgate.api.event;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One connection present on a channel.
 *
 * @param id unique across gateway instances (e.g. instance id and session id)
 * @param user the principal's name, or empty for anonymous connections
 * @param info small facts shown to other members (client name, since when)
 */
public record PresenceMember(String id, String user, Map<String, String> info) {
    public PresenceMember {
        requireNonNull(id, "id is null");
        requireNonNull(user, "user is null");
        info = Map.copyOf(requireNonNull(info, "info is null"));
    }
}
