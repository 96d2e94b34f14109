package dev.tollgate.plugin.eventbridgeredis.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.HistoryGapException;
import dev.tollgate.api.event.HistoryRule;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * History of the channels that keep it, in Redis Streams (one stream per channel, see
 * {@link ChannelNames#streamKey}); each entry's id is the event's offset.
 *
 * <p>Publishing appends and publishes in one script ({@code publish.lua}), so the offset reaches
 * every instance's subscribers with the live event. Reading ({@code history.lua}) serves at most
 * the rule's {@code size} latest events, none older than its {@code ttl}, and reports a gap when
 * an event after the requested offset is no longer served: the stream is trimmed approximately
 * ({@code MAXLEN ~}), the cut is exact. Needs Redis 7.0 or later.
 *
 * <p>Thread-safe; every method returns at once, completing on a Redisson thread.
 */
public final class HistoryStore {
    private final ChannelNames names;
    private final LuaScripts scripts;
    private final RedisBridgeSettings settings;

    public HistoryStore(RedisBridgeSettings settings, ChannelNames names, LuaScripts scripts) {
        this.settings = requireNonNull(settings, "settings is null");
        this.names = requireNonNull(names, "names is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
    }

    /** Appends an event to its channel's stream and publishes it with its offset; completes with the offset. */
    public CompletionStage<String> publish(RedissonClient client, String channel, HistoryRule rule, byte[] payload) {
        String key = names.streamKey(channel);
        RScript script = client.getScript(ByteArrayCodec.INSTANCE);
        CompletionStage<byte[]> offset = script.evalAsync(key, RScript.Mode.READ_WRITE, scripts.publish(), RScript.ReturnType.VALUE,
                List.of(key), bytes(names.redisChannel(channel)), payload, bytes(Integer.toString(rule.size())),
                bytes(Long.toString(settings.streamExpiry(rule).toMillis())));
        return offset.thenApply(HistoryStore::text);
    }

    /**
     * The events of {@code channel} after {@code afterOffset}, oldest first; fails with
     * {@link HistoryGapException} when some are no longer kept or the offset is unknown.
     */
    public CompletionStage<List<Event>> history(RedissonClient client, String channel, HistoryRule rule, String afterOffset) {
        String key = names.streamKey(channel);
        RScript script = client.getScript(ByteArrayCodec.INSTANCE);
        CompletionStage<List<Object>> reply = script.evalAsync(key, RScript.Mode.READ_ONLY, scripts.history(), RScript.ReturnType.MULTI,
                List.of(key), bytes(afterOffset), bytes(Integer.toString(rule.size())), bytes(Long.toString(rule.ttl().toMillis())));
        return reply.thenCompose(result -> {
            String status = result.isEmpty() ? "" : text(result.get(0));
            switch (status) {
                case "ok" -> {
                    List<Event> events = new ArrayList<>((result.size() - 1) / 2);
                    for (int i = 1; i + 1 < result.size(); i += 2) {
                        events.add(Event.of(channel, ByteBuffer.wrap((byte[]) result.get(i + 1))).withOffset(text(result.get(i))));
                    }
                    return CompletableFuture.completedFuture(List.copyOf(events));
                }
                case "gap" -> {
                    return CompletableFuture.failedFuture(new HistoryGapException(channel,
                            "history of " + channel + " no longer reaches back to " + afterOffset));
                }
                case "unknown" -> {
                    return CompletableFuture.failedFuture(new HistoryGapException(channel, "offset " + afterOffset + " is unknown"));
                }
                default -> {
                    return CompletableFuture.failedFuture(new GatewayException(ErrorCode.INTERNAL_ERROR,
                            "unexpected answer from the history script: " + status));
                }
            }
        });
    }

    /** The offset of the channel's latest event, or {@code "0-0"} when it has none. */
    public CompletionStage<String> latestOffset(RedissonClient client, String channel) {
        String key = names.streamKey(channel);
        RScript script = client.getScript(ByteArrayCodec.INSTANCE);
        CompletionStage<byte[]> offset = script.evalAsync(key, RScript.Mode.READ_ONLY, scripts.latestOffset(), RScript.ReturnType.VALUE,
                List.of(key));
        return offset.thenApply(HistoryStore::text);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return String.valueOf(value);
    }
}
