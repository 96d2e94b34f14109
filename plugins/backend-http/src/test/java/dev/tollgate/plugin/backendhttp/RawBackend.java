package dev.tollgate.plugin.backendhttp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a real socket that answers what no well-behaved server library sends: it reads
 * each request whole (head and Content-Length body), then either resets the connection instead of
 * answering, so the request certainly reached it, or writes a fixed response byte for byte (and
 * closes the connection).
 */
final class RawBackend implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    private final byte[] answer;

    private RawBackend(String answer) throws IOException {
        this.answer = answer == null ? null : answer.getBytes(StandardCharsets.ISO_8859_1);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** A backend that resets every connection once it has read a request. */
    static RawBackend resetting() throws IOException {
        return new RawBackend(null);
    }

    /** A backend that answers every request with {@code response} as it is (use \r\n line ends). */
    static RawBackend answering(String response) throws IOException {
        return new RawBackend(response);
    }

    /** Requests read whole so far. */
    int requests() {
        return requests.get();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.execute(() -> readAndAnswer(socket));
            }
            catch (IOException e) {
                return;
            }
        }
    }

    private void readAndAnswer(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
            }
            long length = 0;
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            in.readNBytes((int) length);
            requests.incrementAndGet();
            if (answer == null) {
                socket.setSoLinger(true, 0);
            }
            else {
                socket.getOutputStream().write(answer);
                socket.getOutputStream().flush();
            }
        }
        catch (IOException e) {
            // The peer went away first: nothing to count.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
