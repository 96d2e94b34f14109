package dev.tollgate.plugin.websockethub.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The hub's JSON primitives: Jackson factories for client requests (strict) and for checking
 * event payloads (lenient), checking that bytes are one JSON value in UTF-8, and quoting text.
 *
 * <p>Thread-safe.
 */
final class Json {
    /**
     * For what clients send: duplicate keys refused, at most 64 levels of nesting; and written
     * back compact — a character outside the BMP as its four UTF-8 bytes, not as two {@code \\u}
     * escapes of six (Jackson's default), which made a client's data up to six times its size.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /**
     * For checking what backends publish, which is passed on as it is: Jackson's default limits,
     * duplicate keys allowed (RFC 8259 leaves them to the receiver).
     */
    private static final JsonFactory PAYLOADS = new JsonFactory();

    private Json() {
    }

    /**
     * Whether {@code bytes[offset, offset + length)} is exactly one JSON value (whitespace around
     * it allowed) encoded in strict UTF-8: what can be embedded as it is in a text frame.
     */
    static boolean isJsonValue(byte[] bytes, int offset, int length) {
        if (length == 0 || !isUtf8(bytes, offset, length)) {
            return false;
        }
        // Jackson detects UTF-16/32 from zero bytes and skips a byte order mark; neither may be embedded.
        for (int i = offset; i < offset + Math.min(4, length); i++) {
            if (bytes[i] == 0) {
                return false;
            }
        }
        if (length >= 3 && (bytes[offset] & 0xFF) == 0xEF && (bytes[offset + 1] & 0xFF) == 0xBB && (bytes[offset + 2] & 0xFF) == 0xBF) {
            return false;
        }
        try (JsonParser parser = PAYLOADS.createParser(bytes, offset, length)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        }
        catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether the range is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
     * above U+10FFFF — what a WebSocket peer accepts in a text frame.
     */
    static boolean isUtf8(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                i++;
                continue;
            }
            int continuations;
            int secondMin = 0x80;
            int secondMax = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                continuations = 1;
            }
            else if (lead >= 0xE0 && lead <= 0xEF) {
                continuations = 2;
                if (lead == 0xE0) {
                    secondMin = 0xA0;
                }
                else if (lead == 0xED) {
                    secondMax = 0x9F;
                }
            }
            else if (lead >= 0xF0 && lead <= 0xF4) {
                continuations = 3;
                if (lead == 0xF0) {
                    secondMin = 0x90;
                }
                else if (lead == 0xF4) {
                    secondMax = 0x8F;
                }
            }
            else {
                return false;
            }
            if (i + continuations >= end) {
                return false;
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < secondMin || second > secondMax) {
                return false;
            }
            for (int k = 2; k <= continuations; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += continuations + 1;
        }
        return true;
    }

    /**
     * {@code text} as a JSON string literal, quotes included, in UTF-8. An unpaired surrogate,
     * which a client can send as an escape ({@code "\\ud800"}) but UTF-8 cannot carry, is written
     * as that escape again.
     */
    static byte[] quote(String text) {
        if (hasUnpairedSurrogate(text)) {
            return quoteWithSurrogateEscapes(text);
        }
        byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        byte[] quoted = new byte[escaped.length + 2];
        quoted[0] = '"';
        System.arraycopy(escaped, 0, quoted, 1, escaped.length);
        quoted[quoted.length - 1] = '"';
        return quoted;
    }

    private static byte[] quoteWithSurrogateEscapes(String text) {
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(text);
        StringBuilder quoted = new StringBuilder(escaped.length + 16).append('"');
        for (int i = 0; i < escaped.length; i++) {
            char c = escaped[i];
            if (Character.isHighSurrogate(c) && i + 1 < escaped.length && Character.isLowSurrogate(escaped[i + 1])) {
                quoted.append(c).append(escaped[++i]);
            }
            else if (Character.isSurrogate(c)) {
                quoted.append(String.format("\\u%04x", (int) c));
            }
            else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean hasUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            }
            else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** A payload that is not JSON, as a JSON string of its text (malformed UTF-8 replaced). */
    static byte[] quoteText(ByteBuffer payload) {
        return quote(StandardCharsets.UTF_8.decode(payload).toString());
    }
}
