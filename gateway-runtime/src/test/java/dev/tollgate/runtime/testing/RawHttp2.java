package dev.tollgate.runtime.testing;

import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.frames.WindowUpdateFrame;
import org.eclipse.jetty.http2.parser.Parser;
import org.eclipse.jetty.io.ByteBufferPool;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An HTTP/2 client at the frame level, for conformance tests: it writes frames byte by byte —
 * header blocks as HPACK literals exactly as given, so it can send what a real client's encoder
 * refuses or silently repairs (upper-case names, connection-specific fields, repeated or missing
 * pseudo-headers) — and reads the server's frames with Jetty's own {@link Parser}. Server
 * SETTINGS are acknowledged as they arrive.
 */
public final class RawHttp2 implements AutoCloseable {
    public static final int NO_ERROR = 0x0;
    public static final int PROTOCOL_ERROR = 0x1;
    public static final int FLOW_CONTROL_ERROR = 0x3;
    public static final int STREAM_CLOSED = 0x5;
    public static final int CANCEL = 0x8;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Frame types (RFC 9113 §6). */
    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int PRIORITY = 0x2;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PUSH_PROMISE = 0x5;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int WINDOW_UPDATE = 0x8;
    public static final int CONTINUATION = 0x9;
    /** Flags. */
    public static final int END_STREAM = 0x1;
    public static final int ACK = 0x1;
    public static final int END_HEADERS = 0x4;
    public static final int PADDED = 0x8;
    public static final int PRIORITY_FLAG = 0x20;

    /** What the reader thread puts in the queue when the server closed the connection. */
    private static final Frame CLOSED = new PingFrame(new byte[8], false);

    private final Socket socket;
    private final OutputStream out;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final Thread reader;

    private RawHttp2(Socket socket) throws IOException {
        this.socket = socket;
        // A frame is written as its header, then its payload: without this, each small write waits
        // for the acknowledgement of the one before (Nagle), some 40 ms a frame.
        socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
        // The preface first: the reader acknowledges the server's SETTINGS, which may come at once.
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        InputStream in = socket.getInputStream();
        Parser parser = new Parser(new ByteBufferPool.NonPooling(), 64 * 1024);
        parser.init(new Parser.Listener() {
            @Override
            public void onData(DataFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onHeaders(HeadersFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onReset(ResetFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onSettings(SettingsFrame frame) {
                if (!frame.isReply()) {
                    try {
                        frame(SETTINGS, ACK, 0, new byte[0]);
                    }
                    catch (IOException e) {
                        // The connection is gone; the reader sees it too.
                    }
                }
                frames.add(frame);
            }

            @Override
            public void onPing(PingFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onGoAway(GoAwayFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onWindowUpdate(WindowUpdateFrame frame) {
                frames.add(frame);
            }
        });
        reader = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    ByteBuffer bytes = ByteBuffer.allocate(read);
                    bytes.put(buffer, 0, read).flip();
                    parser.parse(bytes);
                }
            }
            catch (IOException e) {
                // Closed by either side.
            }
            frames.add(CLOSED);
        }, "raw-http2-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** h2c with prior knowledge on the clear-text port; the preface and an empty SETTINGS are sent. */
    public static RawHttp2 clearText(int port) throws IOException {
        return new RawHttp2(new Socket("127.0.0.1", port));
    }

    /** h2 over TLS, negotiated with ALPN; the preface and an empty SETTINGS are sent. */
    public static RawHttp2 tls(int port, SSLContext context) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            socket.close();
            throw new IOException("ALPN did not select h2 but " + socket.getApplicationProtocol());
        }
        return new RawHttp2(socket);
    }

    /**
     * A HEADERS frame carrying {@code fields} (name, value, name, value, …) in that order, each an
     * HPACK literal without indexing, names exactly as given.
     */
    public RawHttp2 headers(int streamId, boolean endStream, String... fields) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            block.write(0x00);
            literal(block, fields[i]);
            literal(block, fields[i + 1]);
        }
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block.toByteArray());
    }

    /** A well-formed GET's fields for {@code path}. */
    public static String[] get(String scheme, String path) {
        return new String[] {":method", "GET", ":scheme", scheme, ":path", path, ":authority", "localhost"};
    }

    public RawHttp2 data(int streamId, boolean endStream, byte[] payload) throws IOException {
        return frame(DATA, endStream ? END_STREAM : 0, streamId, payload);
    }

    public RawHttp2 reset(int streamId, int errorCode) throws IOException {
        return frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt(errorCode).array());
    }

    public RawHttp2 windowUpdate(int streamId, int delta) throws IOException {
        return frame(WINDOW_UPDATE, 0, streamId, ByteBuffer.allocate(4).putInt(delta).array());
    }

    public RawHttp2 ping(long payload) throws IOException {
        return frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(payload).array());
    }

    /** Any bytes, for what no method here writes. */
    public RawHttp2 write(byte[] bytes) throws IOException {
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
        return this;
    }

    /** A frame of any type, flags and payload (its length is the payload's). */
    public RawHttp2 frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(9);
        header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        header.put((byte) type).put((byte) flags).putInt(streamId);
        synchronized (out) {
            out.write(header.array());
            out.write(payload);
            out.flush();
        }
        return this;
    }

    private static void literal(ByteArrayOutputStream block, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        // 7-bit prefix integer, no Huffman coding (RFC 7541 §5.1, §5.2).
        int length = bytes.length;
        if (length < 127) {
            block.write(length);
        }
        else {
            block.write(127);
            length -= 127;
            while (length >= 128) {
                block.write((length & 0x7f) | 0x80);
                length >>>= 7;
            }
            block.write(length);
        }
        block.writeBytes(bytes);
    }

    /**
     * The next server frame that {@code wanted} accepts, skipping the others; fails if the
     * connection closes or none comes within {@code timeout}.
     */
    public <F extends Frame> F await(Class<F> type, Predicate<F> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new AssertionError("no " + type.getSimpleName() + " as expected within " + timeout);
            }
            if (frame == CLOSED) {
                frames.add(CLOSED);
                throw new AssertionError("the connection closed before a " + type.getSimpleName() + " as expected");
            }
            if (type.isInstance(frame) && wanted.test(type.cast(frame))) {
                return type.cast(frame);
            }
        }
    }

    /** The RST_STREAM the server sends for {@code streamId}. */
    public ResetFrame awaitReset(int streamId) throws InterruptedException {
        return await(ResetFrame.class, reset -> reset.getStreamId() == streamId, Duration.ofSeconds(10));
    }

    /** The frame ending the server's side of {@code streamId}: END_STREAM, or RST_STREAM. */
    public Frame awaitEnd(int streamId) throws InterruptedException {
        return await(Frame.class, frame -> {
            if (frame instanceof HeadersFrame headers) {
                return headers.getStreamId() == streamId && headers.isEndStream();
            }
            if (frame instanceof DataFrame data) {
                return data.getStreamId() == streamId && data.isEndStream();
            }
            return frame instanceof ResetFrame reset && reset.getStreamId() == streamId;
        }, Duration.ofSeconds(10));
    }

    /**
     * Every server frame up to the first that {@code last} accepts, that one included; fails if the
     * connection closes or none comes within 10 s.
     */
    public List<Frame> framesUntil(Predicate<Frame> last) throws InterruptedException {
        List<Frame> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Frame frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (frame == null || frame == CLOSED) {
                throw new AssertionError("not the frame expected; received " + received);
            }
            received.add(frame);
            if (last.test(frame)) {
                return received;
            }
        }
    }

    /**
     * Sends a PING and returns the server frames received up to its acknowledgement. The server
     * may queue a frame it decided on earlier after the acknowledgement: await a frame expected
     * rather than conclude from its absence here.
     */
    public List<Frame> framesUntilPingAck(long payload) throws IOException, InterruptedException {
        ping(payload);
        return framesUntil(frame -> frame instanceof PingFrame ping && ping.isReply() && ping.getPayloadAsLong() == payload);
    }

    /**
     * Sends a PING and returns the server frames received up to its acknowledgement, or up to the
     * close of the connection if the server closes it first (after a GOAWAY, say); fails if
     * neither comes within {@code timeout}. The PING is not sent if the connection is closed
     * already.
     */
    public List<Frame> framesUntilPingAckOrClose(long payload, Duration timeout) throws InterruptedException {
        try {
            ping(payload);
        }
        catch (IOException e) {
            // Closed by the server: the reader sees it too.
        }
        List<Frame> received = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new AssertionError("neither the PING's acknowledgement nor the close within " + timeout + "; received "
                        + received);
            }
            if (frame == CLOSED) {
                frames.add(CLOSED);
                return received;
            }
            received.add(frame);
            if (frame instanceof PingFrame ping && ping.isReply() && ping.getPayloadAsLong() == payload) {
                return received;
            }
        }
    }

    /** Whether the server closes the connection within {@code timeout}, skipping the frames before. */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (frame == null) {
                return false;
            }
            if (frame == CLOSED) {
                frames.add(CLOSED);
                return true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
