package dev.tollgate.plugin.backendgrpc.internal;

import io.grpc.Metadata;
import io.grpc.Status;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The gRPC-Web wire format (PROTOCOL-WEB.md) of one request: its content type, the
 * length-prefixed frames of the request body, and the frames of the answer — a data frame
 * (flag {@code 0x00}) per message and a trailer frame (flag {@code 0x80}) holding the status and
 * the trailing metadata as HTTP/1 header lines. In the {@code -text} forms the body is base64:
 * the request may come as several padded base64 chunks; each answer frame is encoded on its own
 * (padded), which the protocol allows and grpc-web clients decode.
 */
final class GrpcWebCodec {
    private static final Set<String> CONTENT_TYPES = Set.of("application/grpc-web", "application/grpc-web+proto",
            "application/grpc-web-text", "application/grpc-web-text+proto");
    private static final int DATA = 0x00;
    private static final int COMPRESSED = 0x01;
    private static final int TRAILERS = 0x80;
    private static final Metadata.Key<byte[]> STATUS_DETAILS = Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

    private final String contentType;
    private final boolean text;

    private GrpcWebCodec(String contentType) {
        this.contentType = contentType;
        this.text = contentType.startsWith("application/grpc-web-text");
    }

    /** The codec of a request's Content-Type, or null when it is not one of gRPC-Web's four. */
    static GrpcWebCodec forContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return CONTENT_TYPES.contains(type) ? new GrpcWebCodec(type) : null;
    }

    /** The answer's Content-Type: the request's media type (without parameters). */
    String contentType() {
        return contentType;
    }

    /**
     * The one request message of the body, which must be exactly one uncompressed data frame.
     *
     * @throws MalformedRequestException with the status to answer: INTERNAL for a body that is no
     *         valid base64 or frame sequence, or not exactly one message (what gRPC's status-code
     *         table gives for a request that cannot be parsed); UNIMPLEMENTED for a compressed frame
     */
    byte[] requestMessage(ByteBuffer body) throws MalformedRequestException {
        byte[] bytes = new byte[body == null ? 0 : body.remaining()];
        if (body != null) {
            body.duplicate().get(bytes);
        }
        if (text) {
            bytes = decodeBase64Chunks(bytes);
        }
        List<byte[]> messages = new ArrayList<>(1);
        ByteBuffer frames = ByteBuffer.wrap(bytes);
        while (frames.hasRemaining()) {
            if (frames.remaining() < 5) {
                throw new MalformedRequestException(Status.INTERNAL.withDescription("gRPC-Web request body ends inside a frame header"));
            }
            int flags = frames.get() & 0xff;
            long length = frames.getInt() & 0xffffffffL;
            if (length > frames.remaining()) {
                throw new MalformedRequestException(Status.INTERNAL.withDescription("gRPC-Web request frame of " + length
                        + " bytes is longer than the body (" + frames.remaining() + " bytes left)"));
            }
            if ((flags & TRAILERS) != 0) {
                throw new MalformedRequestException(Status.INTERNAL.withDescription("gRPC-Web request has a trailer frame"));
            }
            if ((flags & COMPRESSED) != 0) {
                throw new MalformedRequestException(Status.UNIMPLEMENTED.withDescription("compressed gRPC-Web request messages are not supported"));
            }
            byte[] message = new byte[(int) length];
            frames.get(message);
            messages.add(message);
        }
        if (messages.size() != 1) {
            throw new MalformedRequestException(Status.INTERNAL.withDescription("gRPC-Web request has " + messages.size()
                    + " messages; the method takes exactly one"));
        }
        return messages.get(0);
    }

    /** A data frame holding one message, encoded for the answer. */
    ByteBuffer dataFrame(byte[] message) {
        return encode(frame(DATA, message));
    }

    /**
     * The trailer frame that ends every answer: {@code grpc-status}, {@code grpc-message}
     * (percent-encoded) when the status has a description, {@code grpc-status-details-bin} when the
     * trailers carry it, then the allowlisted trailing metadata.
     */
    ByteBuffer trailerFrame(Status status, Metadata trailers, MetadataRules rules) {
        StringBuilder block = new StringBuilder();
        block.append("grpc-status:").append(status.getCode().value()).append("\r\n");
        if (status.getDescription() != null && !status.getDescription().isEmpty()) {
            block.append("grpc-message:").append(percentEncode(status.getDescription())).append("\r\n");
        }
        byte[] details = trailers == null ? null : trailers.get(STATUS_DETAILS);
        if (details != null) {
            block.append("grpc-status-details-bin:").append(Base64.getEncoder().encodeToString(details)).append("\r\n");
        }
        rules.forEachResponseField(trailers, (name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals("grpc-status") && !lower.equals("grpc-message") && !lower.equals(STATUS_DETAILS.name())) {
                block.append(lower).append(':').append(value).append("\r\n");
            }
        });
        return encode(frame(TRAILERS, block.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    /** Concatenated frames as one buffer. */
    static ByteBuffer concat(ByteBuffer first, ByteBuffer second) {
        ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining());
        both.put(first.duplicate()).put(second.duplicate()).flip();
        return both;
    }

    private static byte[] frame(int flags, byte[] payload) {
        ByteBuffer frame = ByteBuffer.allocate(5 + payload.length);
        frame.put((byte) flags).putInt(payload.length).put(payload).flip();
        return frame.array();
    }

    private ByteBuffer encode(byte[] frame) {
        return ByteBuffer.wrap(text ? Base64.getEncoder().encode(frame) : frame);
    }

    /**
     * Base64 that may be several padded chunks one after the other ({@code AAAA…==AAAA…}): each
     * four-character group decodes on its own, so the chunks need not be found first.
     */
    static byte[] decodeBase64Chunks(byte[] text) throws MalformedRequestException {
        ByteArrayOutputStream decoded = new ByteArrayOutputStream(text.length / 4 * 3);
        byte[] group = new byte[4];
        int filled = 0;
        Base64.Decoder decoder = Base64.getDecoder();
        for (byte b : text) {
            if (b == '\r' || b == '\n' || b == ' ' || b == '\t') {
                continue;
            }
            group[filled++] = b;
            if (filled == 4) {
                try {
                    decoded.writeBytes(decoder.decode(group));
                }
                catch (IllegalArgumentException e) {
                    throw new MalformedRequestException(Status.INTERNAL.withDescription("gRPC-Web text request body is not valid base64"));
                }
                filled = 0;
            }
        }
        if (filled != 0) {
            throw new MalformedRequestException(Status.INTERNAL.withDescription("gRPC-Web text request body is not valid base64 (length)"));
        }
        return decoded.toByteArray();
    }

    /**
     * {@code grpc-message} as PROTOCOL-HTTP2 says: the UTF-8 bytes, those outside
     * {@code 0x20–0x7E} and {@code %} itself as {@code %XX}.
     */
    static String percentEncode(String message) {
        StringBuilder encoded = new StringBuilder(message.length());
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                encoded.append((char) c);
            }
            else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return encoded.toString();
    }

    /** A gRPC-Web request body that cannot be read, with the status to answer. */
    static final class MalformedRequestException extends Exception {
        private final transient Status status;

        MalformedRequestException(Status status) {
            super(status.getDescription());
            this.status = status;
        }

        Status status() {
            return status;
        }
    }
}
