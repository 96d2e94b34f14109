package dev.tollgate.plugin.websockethub.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.api.event.PresenceMember;
import dev.tollgate.api.websocket.WebSocketMessage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Encodes the hub's replies and presence events as JSON. Channel messages, which are fanned out,
 * are encoded by {@link LocalChannel} instead, once per event.
 *
 * <p>Every reply carries the request's {@code id} when it had one. Thread-safe (stateless).
 */
final class ServerMessages {
    private ServerMessages() {
    }

    /**
     * {@code {"type":"subscribed","channel":…,"offset":…,"recovered":…}}.
     *
     * @param offset the channel's latest offset, or null when it keeps no history
     * @param recovered whether missed events were recovered, or null when the client did not ask
     */
    static WebSocketMessage subscribed(String id, String channel, String offset, Boolean recovered) {
        return message("subscribed", id, json -> {
            json.writeStringField("channel", channel);
            if (offset != null) {
                json.writeStringField("offset", offset);
            }
            if (recovered != null) {
                json.writeBooleanField("recovered", recovered);
            }
        });
    }

    /** {@code {"type":"authenticated","user":…}}: the reply to a successful {@code auth}. */
    static WebSocketMessage authenticated(String id, String user) {
        return message("authenticated", id, json -> json.writeStringField("user", user));
    }

    /**
     * {@code {"type":"auth-expiring","expiresIn":…}}: the session's authentication expires in that
     * many seconds (rounded) unless the client sends a fresh token ({@code auth}).
     */
    static WebSocketMessage authExpiring(long expiresInSeconds) {
        return message("auth-expiring", null, json -> json.writeNumberField("expiresIn", expiresInSeconds));
    }

    static WebSocketMessage unsubscribed(String id, String channel) {
        return message("unsubscribed", id, json -> json.writeStringField("channel", channel));
    }

    static WebSocketMessage published(String id, String channel) {
        return message("published", id, json -> json.writeStringField("channel", channel));
    }

    static WebSocketMessage presence(String id, String channel, List<PresenceMember> members) {
        return message("presence", id, json -> {
            json.writeStringField("channel", channel);
            json.writeArrayFieldStart("members");
            for (PresenceMember member : members) {
                writeMember(json, member);
            }
            json.writeEndArray();
        });
    }

    /** An error; {@code channel} is null when the error is not about one. */
    static WebSocketMessage error(String id, String channel, ProtocolError error, String message) {
        return message("error", id, json -> {
            json.writeStringField("code", error.name());
            json.writeStringField("message", message);
            if (channel != null) {
                json.writeStringField("channel", channel);
            }
        });
    }

    static WebSocketMessage pong(String id) {
        return message("pong", id, json -> {
        });
    }

    /**
     * A join or leave event as published on the channel's presence-events bus channel; it is
     * delivered to watching clients as it is: {@code {"type":"join","channel":…,"member":{…}}}.
     */
    static ByteBuffer presenceEvent(boolean join, String channel, PresenceMember member) {
        return ByteBuffer.wrap(encode(join ? "join" : "leave", null, json -> {
            json.writeStringField("channel", channel);
            json.writeFieldName("member");
            writeMember(json, member);
        }));
    }

    private static void writeMember(JsonGenerator json, PresenceMember member) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", member.id());
        json.writeStringField("user", member.user());
        json.writeObjectFieldStart("info");
        for (Map.Entry<String, String> entry : new TreeMap<>(member.info()).entrySet()) {
            json.writeStringField(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
        json.writeEndObject();
    }

    private static WebSocketMessage message(String type, String id, Fields fields) {
        return WebSocketMessage.utf8Text(ByteBuffer.wrap(encode(type, id, fields)));
    }

    private static byte[] encode(String type, String id, Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", type);
            if (id != null) {
                json.writeFieldName("id");
                json.writeRawValue(id);
            }
            fields.write(json);
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @FunctionalInterface
    private interface Fields {
        void write(JsonGenerator json) throws IOException;
    }
}
