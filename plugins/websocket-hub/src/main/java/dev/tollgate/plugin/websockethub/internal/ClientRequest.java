package dev.tollgate.plugin.websockethub.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * One message from a client, parsed: {@code {"type":"subscribe","channel":"c","id":1,…}}.
 * Fields the hub does not know are ignored, so clients may send more than this version reads.
 *
 * @param type what the client asks for
 * @param id the request id as JSON text (a string or a number), echoed in the reply; null when absent
 * @param channel the channel, or null
 * @param since the offset to recover from ({@code subscribe}), or null
 * @param presence whether the client asks for join and leave events ({@code subscribe})
 * @param data the JSON value to publish, in UTF-8 ({@code publish}), or null
 * @param token the credential to authenticate with ({@code auth}), or null
 */
record ClientRequest(String type, String id, String channel, String since, boolean presence, byte[] data, String token) {

    ClientRequest {
        requireNonNull(type, "type is null");
    }

    /**
     * Parses a text frame.
     *
     * @throws ProtocolException {@code BAD_MESSAGE} when it is not one JSON object with a string
     *         {@code type}, or a known field has the wrong type
     */
    static ClientRequest parse(String text) throws ProtocolException {
        String type = null;
        String id = null;
        String channel = null;
        String since = null;
        boolean presence = false;
        byte[] data = null;
        String token = null;
        try (JsonParser parser = Json.FACTORY.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw bad("a message must be a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "type" -> type = string(parser, value, field);
                    case "channel" -> channel = string(parser, value, field);
                    case "since" -> since = string(parser, value, field);
                    case "id" -> id = id(parser, value);
                    case "presence" -> {
                        if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                            throw bad("presence must be true or false");
                        }
                        presence = value == JsonToken.VALUE_TRUE;
                    }
                    case "data" -> data = copy(parser);
                    case "token" -> token = string(parser, value, field);
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw bad("a message must be one JSON object");
            }
        }
        catch (JsonProcessingException e) {
            throw bad("not valid JSON: " + e.getOriginalMessage());
        }
        catch (IOException e) {
            throw bad("not valid JSON");
        }
        if (type == null) {
            throw bad("a message needs a string field type");
        }
        return new ClientRequest(type, id, channel, since, presence, data, token);
    }

    private static String string(JsonParser parser, JsonToken value, String field) throws IOException, ProtocolException {
        if (value != JsonToken.VALUE_STRING) {
            throw bad(field + " must be a string");
        }
        return parser.getText();
    }

    private static String id(JsonParser parser, JsonToken value) throws IOException, ProtocolException {
        return switch (value) {
            case VALUE_STRING -> new String(Json.quote(parser.getText()), StandardCharsets.UTF_8);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getText();
            default -> throw bad("id must be a string or a number");
        };
    }

    /**
     * The current value as compact JSON in UTF-8, numbers exactly as the client wrote them: read
     * as doubles they would lose digits ({@code 0.1000000000000000000001}), or become
     * {@code "Infinity"} or {@code 0.0} past a double's range, which subscribers (and a backend
     * publishing a price or an id) must never see.
     */
    private static byte[] copy(JsonParser parser) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator generator = Json.FACTORY.createGenerator(out)) {
            int depth = 0;
            do {
                JsonToken token = parser.currentToken();
                if (token.isNumeric()) {
                    generator.writeNumber(parser.getText());
                }
                else {
                    generator.copyCurrentEvent(parser);
                }
                if (token.isStructStart()) {
                    depth++;
                }
                else if (token.isStructEnd()) {
                    depth--;
                }
            }
            while (depth > 0 && parser.nextToken() != null);
        }
        return out.toByteArray();
    }

    private static ProtocolException bad(String message) {
        return new ProtocolException(ProtocolError.BAD_MESSAGE, message);
    }
}
