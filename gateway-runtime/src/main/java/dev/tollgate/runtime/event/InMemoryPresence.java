package dev.tollgate.runtime.event;

import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.PresenceMember;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Presence within one process, for the in-memory bus. */
final class InMemoryPresence implements Presence {
    private final Map<String, Map<String, PresenceMember>> channels = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Void> join(String channel, PresenceMember member) {
        channels.computeIfAbsent(channel, key -> new ConcurrentHashMap<>()).put(member.id(), member);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> leave(String channel, String memberId) {
        channels.computeIfPresent(channel, (key, members) -> {
            members.remove(memberId);
            return members.isEmpty() ? null : members;
        });
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<PresenceMember>> members(String channel) {
        Map<String, PresenceMember> members = channels.get(channel);
        return CompletableFuture.completedFuture(members == null ? List.of() : List.copyOf(members.values()));
    }
}
