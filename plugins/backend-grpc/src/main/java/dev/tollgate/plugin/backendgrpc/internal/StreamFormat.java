package dev.tollgate.plugin.backendgrpc.internal;

import java.util.List;
import java.util.Locale;

/**
 * How a server stream's messages go to the client: Server-Sent Events when the client accepts
 * {@code text/event-stream} (one {@code data:} event per message, an {@code event: error} with
 * the status at the end of a failed stream), NDJSON when it asks for
 * {@code application/x-ndjson} (one line per message, an error object as the last line), and
 * otherwise a JSON array streamed element by element (a failed stream is cut off, so the client
 * never takes a truncated array for a whole one).
 */
enum StreamFormat {
    SSE("text/event-stream") {
        @Override
        String message(String json, long index) {
            return "data: " + json + "\n\n";
        }

        @Override
        String end(long count) {
            return "";
        }

        @Override
        String error(String errorJson) {
            return "event: error\ndata: " + errorJson + "\n\n";
        }
    },
    NDJSON("application/x-ndjson") {
        @Override
        String message(String json, long index) {
            return json + "\n";
        }

        @Override
        String end(long count) {
            return "";
        }

        @Override
        String error(String errorJson) {
            return errorJson + "\n";
        }
    },
    JSON_ARRAY("application/json") {
        @Override
        String message(String json, long index) {
            return (index == 0 ? "[" : ",") + json;
        }

        @Override
        String end(long count) {
            return count == 0 ? "[]" : "]";
        }

        @Override
        String error(String errorJson) {
            return null;
        }
    };

    private final String contentType;

    StreamFormat(String contentType) {
        this.contentType = contentType;
    }

    /** The format the {@code Accept} fields ask for. */
    static StreamFormat negotiate(List<String> accept) {
        boolean ndjson = false;
        for (String field : accept) {
            for (String range : field.split(",")) {
                String type = range.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
                if (type.equals("text/event-stream")) {
                    return SSE;
                }
                if (type.equals("application/x-ndjson")) {
                    ndjson = true;
                }
            }
        }
        return ndjson ? NDJSON : JSON_ARRAY;
    }

    String contentType() {
        return contentType;
    }

    /** The text of one message. */
    abstract String message(String json, long index);

    /** The text after the last message of a stream that ended well. */
    abstract String end(long count);

    /** The text that ends a failed stream, or null when the format can only be cut off. */
    abstract String error(String errorJson);

    /** The whole body of a stream without messages. */
    String emptyBody() {
        return end(0);
    }
}
