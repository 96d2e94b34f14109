package dev.tollgate.plugin.backendhttp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP/1.1 backend on a real socket whose answers are scripted byte for byte, serving many
 * requests per connection: it reads each request's head (and a Content-Length body unless the
 * reply says not to), writes the scripted reply, then keeps the connection for the next request,
 * closes it, or closes it a little later without saying so — what a keep-alive peer may do — or
 * resets it without answering. It counts the connections it accepted and the requests it read.
 */
final class ScriptedBackend implements AutoCloseable {
    /**
     * What to do with one request.
     *
     * @param bytes the response, written as is; null resets the connection instead of answering
     * @param close close the connection right after the response
     * @param readBody read the request's Content-Length body before answering (false answers early)
     * @param delayMillis wait this long before answering
     */
    record Reply(String bytes, boolean close, boolean readBody, long delayMillis) {
        static Reply keep(String bytes) {
            return new Reply(bytes, false, true, 0);
        }

        static Reply close(String bytes) {
            return new Reply(bytes, true, true, 0);
        }

        /** No answer: the connection is reset once the request was read. */
        static Reply reset() {
            return new Reply(null, true, true, 0);
        }

        Reply delayed(long millis) {
            return new Reply(bytes, close, readBody, millis);
        }

        Reply early() {
            return new Reply(bytes, close, false, delayMillis);
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final Function<String, Reply> script;

    ScriptedBackend(Function<String, Reply> script) throws IOException {
        this.script = script;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    int connections() {
        return connections.get();
    }

    /** Connections that ended (either side closed them). */
    int ended() {
        return ended.get();
    }

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
                connections.incrementAndGet();
                threads.execute(() -> serve(socket));
            }
            catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                requests.incrementAndGet();
                Reply reply = script.apply(head);
                if (reply.readBody()) {
                    in.readNBytes((int) contentLength(head));
                }
                if (reply.delayMillis() > 0) {
                    Thread.sleep(reply.delayMillis());
                }
                if (reply.bytes() == null) {
                    socket.setSoLinger(true, 0);
                    return;
                }
                out.write(reply.bytes().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (reply.close()) {
                    if (!reply.readBody()) {
                        // A lingering close, as servers do after answering without the body: stop
                        // writing, read what still comes until the peer stops, then close (closing
                        // with unread bytes would reset the connection, answer included).
                        socket.shutdownOutput();
                        socket.setSoTimeout(5_000);
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                    return;
                }
            }
        }
        catch (IOException e) {
            // The gateway closed the connection.
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finally {
            ended.incrementAndGet();
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring(15).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
