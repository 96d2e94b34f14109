package dev.tollgate.api.event;

import dev.tollgate.api.Experimental;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Who is connected to which channel, across every gateway instance that shares the bus.
 * Members of an instance that disappears without leaving (a crash) expire after a while; the
 * implementation keeps its own members alive.
 *
 * <p>Thread-safe; never blocks.
 */
@Experimental("presence semantics may still change with the hub")
public interface Presence {

    /** Adds (or refreshes) a member of a channel. */
    CompletionStage<Void> join(String channel, PresenceMember member);

    /** Removes a member from a channel. */
    CompletionStage<Void> leave(String channel, String memberId);

    /** The members of a channel now, in no particular order. */
    CompletionStage<List<PresenceMember>> members(String channel);
}
