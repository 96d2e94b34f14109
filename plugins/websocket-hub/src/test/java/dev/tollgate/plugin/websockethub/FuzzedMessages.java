package dev.tollgate.plugin.websockethub;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * Client messages for the hub's fuzz tests, built from a fuzzer's data: JSON objects of the
 * protocol's shape whose types, channels, ids and values are each plausible, wrong or fuzzed,
 * sometimes cut or with text around them; or the fuzzer's text as it is.
 */
public final class FuzzedMessages {
    private static final String[] TYPES = {"subscribe", "unsubscribe", "publish", "presence", "ping", "auth", "message", ""};
    private static final String[] CHANNELS = {"chat:room", "news:a", "simulation:1", "collaboration:p1", "user:alice", "broadcast",
            "admin:x", "tollgate:events", "__keyspace@0__:x", "$presence:x", "a*", "", "x".repeat(300)};
    private static final String[] VALUES = {"1", "-0", "1e400", "12345678901234567890123", "0.1000000000000000000001", "true",
            "null", "\"text\"", "\"\\ud800\"", "\"\\u0000\"", "[]", "{}", "[1,[2,[3]]]", "{\"a\":{\"b\":[1.5e-400]}}",
            "\"1700000000000-42\"", "NaN", "01", "1.", "\"unterminated", "[" .repeat(70)};
    private static final String[] FIELDS = {"type", "channel", "id", "since", "presence", "data", "token", "extra"};

    private FuzzedMessages() {
    }

    /** One text message. */
    public static String message(FuzzedDataProvider data) {
        if (data.consumeInt(0, 5) == 0) {
            return data.consumeString(300);
        }
        StringBuilder json = new StringBuilder("{");
        int fields = data.consumeInt(0, 6);
        for (int i = 0; i < fields; i++) {
            if (i > 0) {
                json.append(',');
            }
            String field = data.consumeInt(0, 9) == 0 ? data.consumeString(10) : data.pickValue(FIELDS);
            json.append('"').append(field).append("\":").append(value(data, field));
        }
        json.append('}');
        if (data.consumeInt(0, 9) == 0) {
            // Cut, or followed by more text.
            return data.consumeBoolean() ? json.substring(0, data.consumeInt(0, json.length())) : json + data.consumeString(20);
        }
        return json.toString();
    }

    private static String value(FuzzedDataProvider data, String field) {
        if (data.consumeInt(0, 4) == 0) {
            return data.pickValue(VALUES);
        }
        return switch (field) {
            case "type" -> quoted(data.consumeInt(0, 7) == 0 ? data.consumeString(10) : data.pickValue(TYPES));
            case "channel" -> quoted(data.consumeInt(0, 5) == 0 ? data.consumeString(30) : data.pickValue(CHANNELS));
            case "id" -> data.consumeBoolean() ? Integer.toString(data.consumeInt()) : quoted(data.consumeString(20));
            case "since" -> quoted(data.consumeBoolean() ? data.consumeLong(0, Long.MAX_VALUE) + "-" + data.consumeInt(0, 100)
                    : data.consumeString(20));
            case "presence" -> Boolean.toString(data.consumeBoolean());
            case "token" -> quoted(data.consumeBoolean() ? "alice" : data.consumeString(40));
            default -> data.pickValue(VALUES);
        };
    }

    /** A JSON string literal of {@code text}, escaped as a client might (or not) escape it. */
    private static String quoted(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            }
            else if (c < 0x20 || Character.isSurrogate(c)) {
                quoted.append(String.format("\\u%04x", (int) c));
            }
            else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
