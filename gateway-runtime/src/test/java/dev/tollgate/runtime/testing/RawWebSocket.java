package dev.tollgate.runtime.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written straight on a socket (RFC 6455), for peers no library would play:
 * one that completes the handshake and then never reads nor answers a ping, or thousands of idle
 * connections held without a thread each. It does only what the test asks: nothing is read until
 * {@link #readFrame()} is called, and pings are answered only by {@link #pong}.
 *
 * <p>Not thread-safe; one test thread drives it.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to a {@code ws://} URI and completes the handshake; headers are name, value pairs.
     *
     * @throws HandshakeRefusedException with the status when the server does not answer 101
     */
    public static RawWebSocket connect(URI uri, String... headers) throws IOException {
        return connect(uri, 0, headers);
    }

    /**
     * Connects with a receive buffer of {@code receiveBufferSize} bytes (0: the system's): a
     * small one keeps what the server sends waiting in the server's kernel until it is read.
     */
    public static RawWebSocket connect(URI uri, int receiveBufferSize, String... headers) throws IOException {
        Socket socket = new Socket();
        try {
            if (receiveBufferSize > 0) {
                socket.setReceiveBufferSize(receiveBufferSize);
            }
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()));
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            RawWebSocket client = new RawWebSocket(socket);
            client.handshake(uri, headers);
            return client;
        }
        catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void handshake(URI uri, String... headers) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        StringBuilder request = new StringBuilder()
                .append("GET ").append(uri.getRawPath()).append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();

        String head = readHead();
        int status = Integer.parseInt(head.substring(9, 12));
        if (status != 101) {
            throw new HandshakeRefusedException(status);
        }
        String expected = accept(key);
        if (!head.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-accept: " + expected.toLowerCase(java.util.Locale.ROOT))) {
            throw new IOException("wrong Sec-WebSocket-Accept in " + head);
        }
    }

    /** The response head up to the empty line, byte by byte so that no frame is read with it. */
    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the handshake");
            }
            head.write(b);
            boolean next = b == (matched % 2 == 0 ? '\r' : '\n');
            matched = next ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    /** Sends a masked text frame. */
    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers a ping with its payload. */
    public void pong(byte[] payload) throws IOException {
        send(PONG, payload);
    }

    /** Sends one masked, final frame. */
    public void send(int opcode, byte[] payload) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(14 + payload.length);
        frame.put((byte) (0x80 | opcode));
        if (payload.length < 126) {
            frame.put((byte) (0x80 | payload.length));
        }
        else if (payload.length < 65536) {
            frame.put((byte) (0x80 | 126)).putShort((short) payload.length);
        }
        else {
            frame.put((byte) (0x80 | 127)).putLong(payload.length);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.put(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.put((byte) (payload[i] ^ mask[i & 3]));
        }
        out.write(frame.array(), 0, frame.position());
        out.flush();
    }

    /**
     * Reads the next frame, waiting at most the socket timeout (10 s unless {@link #setTimeout}).
     *
     * @return the frame, or null when the server closed the connection (end of stream or reset)
     * @throws SocketTimeoutException when no frame arrives in time
     */
    public Frame readFrame() throws IOException {
        int first;
        try {
            first = in.read();
        }
        catch (SocketException e) {
            return null;
        }
        if (first < 0) {
            return null;
        }
        int second = readByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = (readByte() << 8) | readByte();
        }
        else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | readByte();
            }
        }
        if ((second & 0x80) != 0) {
            throw new IOException("the server masked a frame");
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new EOFException("connection closed inside a frame");
        }
        return new Frame(first & 0x0f, (first & 0x80) != 0, payload);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed inside a frame");
        }
        return b;
    }

    public void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One frame as received. */
    public record Frame(int opcode, boolean fin, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame; 1005 when it carries none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    /** The server answered the upgrade with something else than 101. */
    public static final class HandshakeRefusedException extends IOException {
        private final int status;

        public HandshakeRefusedException(int status) {
            super("the upgrade was refused with " + status);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
