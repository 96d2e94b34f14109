package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.websocket.WebSocketSettings;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * A service's {@code backend = grpc} settings, read once from its block and checked.
 *
 * @param schema where the methods are described
 * @param channels the channel pool of each instance
 * @param keepalive keep-alive pings
 * @param deadline the longest a unary call may take; zero for none
 * @param streamDeadline the longest a server-streaming call may take; zero for none
 * @param maxResponseMessageSize the largest message accepted from an instance
 * @param requestHeaders request header names (lower case) forwarded as metadata
 * @param responseHeaders response metadata names (lower case) answered as headers
 * @param json how answers are printed
 * @param webSocket the sessions of calls made over a WebSocket (client and bidirectional streams)
 */
record ServiceSettings(Schema schema, Channels channels, Keepalive keepalive, Duration deadline, Duration streamDeadline,
                       int maxResponseMessageSize,
                       Set<String> requestHeaders, Set<String> responseHeaders, JsonCodec.PrintOptions json,
                       WebSocketSettings webSocket) {

    ServiceSettings {
        requireNonNull(schema, "schema is null");
        requireNonNull(channels, "channels is null");
        requireNonNull(keepalive, "keepalive is null");
        requireNonNull(deadline, "deadline is null");
        requireNonNull(streamDeadline, "streamDeadline is null");
        requestHeaders = Set.copyOf(requestHeaders);
        responseHeaders = Set.copyOf(responseHeaders);
        requireNonNull(json, "json is null");
        requireNonNull(webSocket, "webSocket is null");
    }

    /**
     * @param reflection ask the instances through server reflection
     * @param descriptorSets descriptor set files, absolute
     * @param refreshInterval how often reflection is asked again; zero for never
     * @param notFoundRefreshInterval the least time between refreshes caused by unknown methods
     */
    record Schema(boolean reflection, List<Path> descriptorSets, Duration refreshInterval, Duration notFoundRefreshInterval) {
        Schema {
            descriptorSets = List.copyOf(descriptorSets);
        }
    }

    /**
     * @param min channels opened to an instance when first used
     * @param max channels an instance may get
     * @param streamsPerChannel calls in flight per channel before another one opens
     * @param idleTimeout a channel beyond {@code min} unused this long is closed
     */
    record Channels(int min, int max, int streamsPerChannel, Duration idleTimeout) {
    }

    /**
     * @param time a ping after this long without traffic
     * @param timeout an unanswered ping closes the channel after this long
     * @param withoutCalls ping also while no call is in flight
     */
    record Keepalive(Duration time, Duration timeout, boolean withoutCalls) {
    }

    /**
     * Reads a service block.
     *
     * @param home the directory relative descriptor set paths are resolved against
     * @throws InvalidConfigException naming the key at fault, or the service when it has no schema source
     */
    static ServiceSettings from(PluginConfig config, Path home) {
        PluginConfig schemaBlock = config.getConfig("schema");
        boolean reflection = schemaBlock.getBoolean("reflection");
        List<Path> descriptorSets = new ArrayList<>();
        for (String file : schemaBlock.getStringList("descriptor-sets")) {
            if (file.isBlank()) {
                throw schemaBlock.error("descriptor-sets", "holds an empty path");
            }
            descriptorSets.add(home.resolve(file).toAbsolutePath().normalize());
        }
        if (!reflection && descriptorSets.isEmpty()) {
            throw schemaBlock.error("reflection", "service '" + config.name() + "' has no schema: set schema.reflection = true, or list"
                    + " descriptor sets (protoc --include_imports --descriptor_set_out=…) in schema.descriptor-sets");
        }
        Schema schema = new Schema(reflection, descriptorSets, nonNegative(schemaBlock, "refresh-interval"),
                nonNegative(schemaBlock, "not-found-refresh-interval"));

        PluginConfig channelsBlock = config.getConfig("channels");
        int min = channelsBlock.getInt("min");
        int max = channelsBlock.getInt("max");
        if (min < 0) {
            throw channelsBlock.error("min", "must be 0 or more, got " + min);
        }
        if (max < 1 || max < min) {
            throw channelsBlock.error("max", "must be at least 1 and at least min (" + min + "), got " + max);
        }
        int streams = channelsBlock.getInt("streams-per-channel");
        if (streams < 1) {
            throw channelsBlock.error("streams-per-channel", "must be at least 1, got " + streams);
        }
        Channels channels = new Channels(min, max, streams, positive(channelsBlock, "idle-timeout"));

        PluginConfig keepaliveBlock = config.getConfig("keepalive");
        Keepalive keepalive = new Keepalive(positive(keepaliveBlock, "time"), positive(keepaliveBlock, "timeout"),
                keepaliveBlock.getBoolean("without-calls"));

        long maxMessage = config.getBytes("max-response-message-size");
        if (maxMessage < 1 || maxMessage > Integer.MAX_VALUE) {
            throw config.error("max-response-message-size", "must be between 1 byte and 2 GiB, got " + maxMessage);
        }
        PluginConfig metadata = config.getConfig("metadata");
        PluginConfig json = config.getConfig("json");
        return new ServiceSettings(schema, channels, keepalive, nonNegative(config, "deadline"), nonNegative(config, "stream-deadline"),
                (int) maxMessage,
                headerNames(metadata, "request-headers"), headerNames(metadata, "response-headers"),
                new JsonCodec.PrintOptions(json.getBoolean("preserve-proto-field-names"), json.getBoolean("include-default-values"),
                        json.getBoolean("enums-as-numbers")),
                webSocket(config.getConfig("websocket")));
    }

    private static WebSocketSettings webSocket(PluginConfig config) {
        Duration idleTimeout = positive(config, "idle-timeout");
        Duration pingInterval = nonNegative(config, "ping-interval");
        if (pingInterval.compareTo(idleTimeout) >= 0) {
            // Only what the client sends counts against the idle timeout: a quiet client must be
            // pinged, and have time to answer, before it runs out.
            throw config.error("ping-interval", "must be shorter than idle-timeout (" + idleTimeout.toMillis()
                    + " ms), or 0s to disable pings (clients must then send within idle-timeout)");
        }
        long maxMessageSize = config.getBytes("max-message-size");
        if (maxMessageSize < 1 || maxMessageSize > 64L * 1024 * 1024) {
            throw config.error("max-message-size", "must be between 1 byte and 64 MiB, got " + maxMessageSize);
        }
        long maxQueuedBytes = config.getBytes("max-queued-bytes");
        if (maxQueuedBytes < maxMessageSize) {
            throw config.error("max-queued-bytes", "must be at least max-message-size (" + maxMessageSize + "), got " + maxQueuedBytes);
        }
        int maxQueuedMessages = config.getInt("max-queued-messages");
        if (maxQueuedMessages < 2) {
            throw config.error("max-queued-messages", "must be at least 2, got " + maxQueuedMessages);
        }
        return new WebSocketSettings(idleTimeout, pingInterval, (int) maxMessageSize, maxQueuedBytes, maxQueuedMessages,
                config.getBoolean("permessage-deflate"));
    }

    private static Set<String> headerNames(PluginConfig config, String key) {
        Set<String> names = new TreeSet<>();
        for (String name : config.getStringList(key)) {
            if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                throw config.error(key, "'" + name + "' is not a header name");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("grpc-") || lower.startsWith(":")) {
                throw config.error(key, "'" + name + "' is reserved by gRPC");
            }
            names.add(lower);
        }
        return names;
    }

    static Duration nonNegative(PluginConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative()) {
            throw config.error(key, "must not be negative, got " + value);
        }
        return value;
    }

    private static Duration positive(PluginConfig config, String key) {
        Duration value = config.getDuration(key);
        if (value.isNegative() || value.isZero()) {
            throw config.error(key, "must be positive, got " + value);
        }
        return value;
    }
}
