package dev.tollgate.plugin.eventbridgeredis.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.event.Presence;
import dev.tollgate.api.event.PresenceMember;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Presence shared by every gateway instance through Redis: one hash per channel
 * ({@link ChannelNames#presenceKey}), a field per member whose value is
 * {@code "<expiry ms> <member JSON>"}, the expiry by Redis' clock.
 *
 * <p>This instance remembers the members it added and rewrites them, with a new expiry, every
 * {@code refresh-interval} and as soon as Redis is back after an outage; members of an instance
 * that stopped refreshing (it crashed) expire after {@code ttl} and are removed by the next
 * {@link #members} of their channel. A member whose {@link #join} failed (Redis unreachable) is
 * still remembered, and written by the next refresh.
 *
 * <p>Thread-safe; every method returns at once.
 */
public final class RedisPresence implements Presence {
    private static final Logger LOG = LoggerFactory.getLogger(RedisPresence.class);
    private static final JsonFactory JSON = new JsonFactory();
    /** Members written by one script call at most. */
    private static final int BATCH = 256;

    private final RedisBridgeSettings.Presence settings;
    private final ChannelNames names;
    private final LuaScripts scripts;
    private final RedisConnector connector;
    private final Map<String, Map<String, PresenceMember>> local = new ConcurrentHashMap<>();
    private ScheduledFuture<?> refreshTask;

    public RedisPresence(RedisBridgeSettings.Presence settings, ChannelNames names, LuaScripts scripts, RedisConnector connector) {
        this.settings = requireNonNull(settings, "settings is null");
        this.names = requireNonNull(names, "names is null");
        this.scripts = requireNonNull(scripts, "scripts is null");
        this.connector = requireNonNull(connector, "connector is null");
    }

    /** Starts refreshing this instance's members every {@code refresh-interval}. */
    public synchronized void start(ScheduledExecutorService scheduler) {
        long interval = settings.refreshInterval().toMillis();
        refreshTask = scheduler.scheduleWithFixedDelay(this::refreshAll, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Void> join(String channel, PresenceMember member) {
        requireNonNull(channel, "channel is null");
        requireNonNull(member, "member is null");
        local.computeIfAbsent(channel, key -> new ConcurrentHashMap<>()).put(member.id(), member);
        return write(channel, List.of(member));
    }

    @Override
    public CompletionStage<Void> leave(String channel, String memberId) {
        requireNonNull(channel, "channel is null");
        requireNonNull(memberId, "memberId is null");
        local.computeIfPresent(channel, (key, members) -> {
            members.remove(memberId);
            return members.isEmpty() ? null : members;
        });
        return remove(channel, List.of(memberId));
    }

    @Override
    public CompletionStage<List<PresenceMember>> members(String channel) {
        requireNonNull(channel, "channel is null");
        RedissonClient client = connector.client();
        if (client == null) {
            return CompletableFuture.failedFuture(notConnected());
        }
        String key = names.presenceKey(channel);
        try {
            CompletionStage<List<Object>> reply = script(client).evalAsync(key, RScript.Mode.READ_WRITE, scripts.presenceMembers(),
                    RScript.ReturnType.MULTI, List.of(key));
            return reply.handle((values, failure) -> {
                if (failure != null) {
                    throw RedisFailures.unavailable("cannot read the presence of " + channel, failure);
                }
                List<PresenceMember> members = new ArrayList<>(values.size());
                for (Object value : values) {
                    PresenceMember member = parse((byte[]) value);
                    if (member != null) {
                        members.add(member);
                    }
                }
                return List.copyOf(members);
            });
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(RedisFailures.unavailable("cannot read the presence of " + channel, e));
        }
    }

    /** Rewrites every member of this instance with a new expiry. Failures wait for the next refresh. */
    public void refreshAll() {
        if (connector.client() == null) {
            return;
        }
        for (Map.Entry<String, Map<String, PresenceMember>> channel : local.entrySet()) {
            write(channel.getKey(), List.copyOf(channel.getValue().values())).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    LOG.debug("Presence refresh of {} failed: {}", channel.getKey(), RedisFailures.describe(failure));
                }
            });
        }
    }

    /** Stops refreshing and removes this instance's members from Redis; completes when Redis answered. */
    public CompletionStage<Void> close() {
        synchronized (this) {
            if (refreshTask != null) {
                refreshTask.cancel(false);
            }
        }
        List<CompletableFuture<Void>> removals = new ArrayList<>();
        for (Map.Entry<String, Map<String, PresenceMember>> channel : local.entrySet()) {
            removals.add(remove(channel.getKey(), List.copyOf(channel.getValue().keySet())).toCompletableFuture());
        }
        local.clear();
        return CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new));
    }

    private CompletionStage<Void> write(String channel, List<PresenceMember> members) {
        RedissonClient client = connector.client();
        if (client == null) {
            return CompletableFuture.failedFuture(notConnected());
        }
        List<Object[]> batches = new ArrayList<>();
        for (int start = 0; start < members.size(); start += BATCH) {
            List<PresenceMember> batch = members.subList(start, Math.min(members.size(), start + BATCH));
            Object[] arguments = new Object[1 + 2 * batch.size()];
            arguments[0] = bytes(Long.toString(settings.ttl().toMillis()));
            for (int i = 0; i < batch.size(); i++) {
                arguments[1 + 2 * i] = bytes(batch.get(i).id());
                arguments[2 + 2 * i] = json(batch.get(i));
            }
            batches.add(arguments);
        }
        return evalEach(client, channel, scripts.presenceJoin(), batches, "cannot write the presence of " + channel);
    }

    private CompletionStage<Void> remove(String channel, List<String> memberIds) {
        RedissonClient client = connector.client();
        if (client == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Object[]> batches = new ArrayList<>();
        for (int start = 0; start < memberIds.size(); start += BATCH) {
            batches.add(memberIds.subList(start, Math.min(memberIds.size(), start + BATCH)).stream().map(RedisPresence::bytes).toArray());
        }
        return evalEach(client, channel, scripts.presenceLeave(), batches, "cannot remove from the presence of " + channel);
    }

    /** Runs a presence script on the channel's hash once per batch of arguments; completes when all did. */
    private CompletionStage<Void> evalEach(RedissonClient client, String channel, String script, List<Object[]> batches, String what) {
        String key = names.presenceKey(channel);
        List<CompletableFuture<Object>> calls = new ArrayList<>(batches.size());
        try {
            for (Object[] arguments : batches) {
                CompletionStage<Object> call = script(client).evalAsync(key, RScript.Mode.READ_WRITE, script, RScript.ReturnType.INTEGER,
                        List.of(key), arguments);
                calls.add(call.toCompletableFuture());
            }
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(RedisFailures.unavailable(what, e));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).handle((ignored, failure) -> {
            if (failure != null) {
                throw RedisFailures.unavailable(what, failure);
            }
            return null;
        });
    }

    private static RScript script(RedissonClient client) {
        return client.getScript(ByteArrayCodec.INSTANCE);
    }

    private static GatewayException notConnected() {
        return new GatewayException(ErrorCode.UNAVAILABLE, "not connected to Redis yet");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"id":…,"user":…,"info":{…}}}. */
    static byte[] json(PresenceMember member) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("id", member.id());
            generator.writeStringField("user", member.user());
            generator.writeObjectFieldStart("info");
            for (Map.Entry<String, String> entry : member.info().entrySet()) {
                generator.writeStringField(entry.getKey(), entry.getValue());
            }
            generator.writeEndObject();
            generator.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The member in {@code json}, or {@code null} (logged) when it is not one. */
    static PresenceMember parse(byte[] json) {
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            String id = null;
            String user = "";
            Map<String, String> info = new LinkedHashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "id" -> id = parser.getValueAsString();
                    case "user" -> user = parser.getValueAsString("");
                    case "info" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw new IOException("info is not an object");
                        }
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String name = parser.currentName();
                            parser.nextToken();
                            info.put(name, parser.getValueAsString(""));
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
            if (id == null) {
                throw new IOException("no id");
            }
            return new PresenceMember(id, user, info);
        }
        catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring a presence entry that is not a member ({}): {}", e.getMessage(),
                    new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8));
            return null;
        }
    }
}
