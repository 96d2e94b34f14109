package dev.tollgate.runtime.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks everything the gateway sent back on one HTTP/1.1 connection, for the fuzz tests: a
 * sequence of well-formed responses (status line, header fields, a body framed by
 * {@code Content-Length} or chunked coding), none 5xx, every error in the JSON error shape, none
 * after one that said {@code Connection: close}, and nothing else.
 */
final class Http1Responses {
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] ([1-9][0-9]{2}) [\\x20-\\x7e]*");
    private static final Pattern FIELD = Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \\t]*([\\x20-\\x7e\\t]*?)[ \\t]*");
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Z][A-Z_]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] request;
    private final byte[] bytes;
    private int position;

    private Http1Responses(byte[] request, byte[] bytes) {
        this.request = request;
        this.bytes = bytes;
    }

    /**
     * Checks {@code received}, all the gateway sent on a connection where the client sent
     * {@code request}. A response cut short at the end is accepted: the gateway may close with
     * unread bytes of the client's, and the reset can discard the end of its answer.
     */
    static void check(byte[] request, byte[] received) {
        new Http1Responses(request, received).check();
    }

    private void check() {
        if (bytes.length > 0 && !startsWith("HTTP/1.")) {
            // Only the HTTP/2 preface switches the connection to another protocol (h2c with prior knowledge).
            assertThat(new String(request, 0, Math.min(request.length, 3), StandardCharsets.ISO_8859_1))
                    .as("an answer that is not HTTP/1.1 to %s: %s", printable(request), printable(bytes)).isEqualTo("PRI");
            return;
        }
        boolean closed = false;
        while (position < bytes.length) {
            assertThat(closed).as("a response after one that said Connection: close, to %s: %s", printable(request), printable(bytes))
                    .isFalse();
            int start = position;
            String statusLine = line();
            if (statusLine == null) {
                return;
            }
            Matcher status = STATUS_LINE.matcher(statusLine);
            if (!status.matches()) {
                fail("a malformed status line '%s' in the answer to %s: %s", statusLine, printable(request), printable(bytes));
            }
            int code = Integer.parseInt(status.group(1));
            assertThat(code).as("the status answering %s: %s", printable(request), printable(bytes)).isLessThan(500);
            Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while ((line = line()) != null && !line.isEmpty()) {
                Matcher field = FIELD.matcher(line);
                if (!field.matches()) {
                    fail("a malformed header field '%s' in the answer to %s: %s", line, printable(request), printable(bytes));
                }
                headers.merge(field.group(1).toLowerCase(Locale.ROOT), field.group(2), (a, b) -> a + ", " + b);
            }
            if (line == null) {
                return;
            }
            if (code == 101) {
                // Switched to WebSocket: what follows is frames.
                return;
            }
            if (code < 200) {
                continue;
            }
            String body = body(code, headers);
            if (body == null) {
                return;
            }
            if (code >= 400 && !body.isEmpty()) {
                assertThat(headers.get("content-type")).as("the type of an error answering %s", printable(request))
                        .startsWith("application/json");
                checkErrorShape(body);
            }
            closed = "close".equalsIgnoreCase(headers.get("connection"));
            assertThat(position).isGreaterThan(start);
        }
    }

    private void checkErrorShape(String body) {
        JsonNode error;
        try {
            error = JSON.readTree(body).path("error");
        }
        catch (IOException e) {
            throw new AssertionError("an error body that is not JSON answering " + printable(request) + ": " + body, e);
        }
        assertThat(error.path("code").asText()).as("the error code in %s answering %s", body, printable(request))
                .matches(ERROR_CODE);
        assertThat(error.path("message").isTextual()).as("the error message in %s", body).isTrue();
        assertThat(error.path("requestId").isTextual()).as("the request id in %s", body).isTrue();
    }

    /** The body, framed as the headers say; null when the bytes end inside it. */
    private String body(int code, Map<String, String> headers) {
        if (code == 204 || code == 304) {
            return "";
        }
        String length = headers.get("content-length");
        if (length != null) {
            assertThat(length).as("Content-Length answering %s", printable(request)).matches("[0-9]{1,9}");
            int size = Integer.parseInt(length);
            if (size > 0 && startsWithResponse()) {
                // The answer to a HEAD request: the length of a body not sent.
                return "";
            }
            if (position + size > bytes.length) {
                return null;
            }
            String body = new String(bytes, position, size, StandardCharsets.UTF_8);
            position += size;
            return body;
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            StringBuilder body = new StringBuilder();
            while (true) {
                String size = line();
                if (size == null) {
                    return null;
                }
                assertThat(size).as("a chunk size answering %s", printable(request)).matches("[0-9a-fA-F]{1,8}");
                int chunk = Integer.parseInt(size, 16);
                if (chunk == 0) {
                    String trailer;
                    while ((trailer = line()) != null && !trailer.isEmpty()) {
                        assertThat(FIELD.matcher(trailer).matches()).as("a trailer '%s'", trailer).isTrue();
                    }
                    return trailer == null ? null : body.toString();
                }
                if (position + chunk + 2 > bytes.length) {
                    return null;
                }
                body.append(new String(bytes, position, chunk, StandardCharsets.UTF_8));
                position += chunk;
                assertThat(line()).as("the end of a chunk answering %s", printable(request)).isEmpty();
            }
        }
        // Delimited by the close: the rest.
        String body = new String(bytes, position, bytes.length - position, StandardCharsets.UTF_8);
        position = bytes.length;
        return body;
    }

    private boolean startsWithResponse() {
        return startsWith("HTTP/1.1 ") || startsWith("HTTP/1.0 ");
    }

    private boolean startsWith(String prefix) {
        byte[] expected = prefix.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length - position < expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (bytes[position + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The next CRLF-terminated line (a bare LF is malformed); null when the bytes end first. */
    private String line() {
        for (int i = position; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                assertThat(i > position && bytes[i - 1] == '\r').as("a line ending in CRLF answering %s: %s", printable(request),
                        printable(bytes)).isTrue();
                String line = new String(bytes, position, i - 1 - position, StandardCharsets.ISO_8859_1);
                position = i + 1;
                return line;
            }
        }
        return null;
    }

    /** Bytes as Java string literal text, for messages. */
    static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder("\"");
        for (int i = 0; i < Math.min(bytes.length, 2000); i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\r' -> text.append("\\r");
                case '\n' -> text.append("\\n");
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        text.append((char) b);
                    }
                    else {
                        text.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return text.append(bytes.length > 2000 ? "\"…" : "\"").toString();
    }
}
