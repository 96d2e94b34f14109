package dev.tollgate.runtime.io;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The listeners' lingering close through real sockets: a connection the server closes after its
 * answer while the client is still sending stays open, read and discarded, until the client's FIN
 * or the lingering time, so that the answer's tail still queued in the kernel is not lost to a
 * reset.
 */
class LingeringCloseTest {
    /** Larger than a loopback socket's buffers at their start: the tail waits in the server's kernel. */
    private static final int ANSWER_SIZE = 2 << 20;

    private Server server;
    private LoopConnector connector;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new LoopConnector(server, 1, new HttpConnectionFactory());
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                // An early answer: the request's body is never read.
                byte[] answer = new byte[ANSWER_SIZE];
                Arrays.fill(answer, (byte) 'a');
                response.setStatus(413);
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                response.write(true, ByteBuffer.wrap(answer), callback);
                return true;
            }
        });
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @Test
    void anEarlyAnswerReachesAClientThatIsStillSendingItsBody() throws Exception {
        try (Upload upload = Upload.start(connector)) {
            assertThat(upload.readAnswer()).as("bytes of the answer's body read").isEqualTo(ANSWER_SIZE);
        }
    }

    @Test
    void aLingeringConnectionIsClosedAfterTheLingeringTimeWhenTheClientNeverCloses() throws Exception {
        connector.setLingeringTime(Duration.ofMillis(500));
        try (Upload upload = Upload.start(connector)) {
            assertThat(upload.readAnswer()).isEqualTo(ANSWER_SIZE);
            upload.pause();
            // Read to its end, the client keeps its side open: the server lingers, then closes.
            await().atMost(Duration.ofSeconds(5)).until(() -> connector.lingeringConnections() == 0);
            // The client's bytes are refused once the server closed.
            upload.awaitRefused();
        }
    }

    @Test
    void stoppingTheListenerClosesLingeringConnections() throws Exception {
        connector.setLingeringTime(Duration.ofMinutes(5));
        try (Upload upload = Upload.start(connector)) {
            assertThat(upload.readAnswer()).isEqualTo(ANSWER_SIZE);
            upload.pause();
            await().atMost(Duration.ofSeconds(5)).until(() -> connector.lingeringConnections() == 1);
            server.stop();
            assertThat(connector.lingeringConnections()).isZero();
            upload.awaitRefused();
        }
    }

    @Test
    void connectionsLingerUpToTheCapAndCloseAtOnceBeyondIt() throws Exception {
        connector.setLingeringTime(Duration.ofMinutes(5));
        connector.setMaxLingeringConnections(1);
        try (Upload first = Upload.start(connector)) {
            assertThat(first.readAnswer()).isEqualTo(ANSWER_SIZE);
            first.pause();
            await().atMost(Duration.ofSeconds(5)).until(() -> connector.lingeringConnections() == 1);
            // Only now the second: the first holds the one place.
            try (Upload second = Upload.start(connector)) {
                second.readAnswer();
                second.pause();
                // The second closed at once.
                second.awaitRefused();
            }
            assertThat(connector.lingeringConnections()).isEqualTo(1);
            // The first still lingers.
            first.assertStillTaken();
        }
    }

    @Test
    void withoutALingeringTimeTheConnectionClosesAtOnce() throws Exception {
        connector.setLingeringTime(Duration.ZERO);
        try (Upload upload = Upload.start(connector)) {
            upload.readAnswer();
            assertThat(connector.lingeringConnections()).isZero();
            upload.awaitRefused();
        }
    }

    /**
     * A client uploading a large body through a small receive window: a thread sends the body
     * while the test reads the answer.
     */
    private static final class Upload implements AutoCloseable {
        private final Socket socket;
        private final AtomicBoolean sending = new AtomicBoolean(true);
        private final CompletableFuture<Void> sender;

        private Upload(Socket socket) {
            this.socket = socket;
            this.sender = CompletableFuture.runAsync(this::sendBody);
        }

        static Upload start(LoopConnector connector) throws IOException {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(16 * 1024);
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress("127.0.0.1", connector.getLocalPort()));
            socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new Upload(socket);
        }

        private void sendBody() {
            byte[] chunk = new byte[1024];
            try {
                OutputStream out = socket.getOutputStream();
                while (sending.get()) {
                    out.write(chunk);
                }
            }
            catch (IOException e) {
                // The server closed: the test reads what it got.
            }
        }

        /** Reads the response to its end (the server closes after it): the body's bytes read. */
        int readAnswer() throws IOException {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            StringBuilder head = new StringBuilder();
            int body = 0;
            boolean inBody = false;
            try {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    int offset = 0;
                    if (!inBody) {
                        head.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                        int end = head.indexOf("\r\n\r\n");
                        if (end < 0) {
                            continue;
                        }
                        assertThat(head.toString()).startsWith("HTTP/1.1 413 ").containsIgnoringCase("Connection: close");
                        inBody = true;
                        offset = read - (head.length() - end - 4);
                    }
                    body += read - offset;
                }
            }
            catch (IOException e) {
                // A reset: what was read is what arrived.
            }
            return body;
        }

        /** Stops sending the body, keeping the connection open. */
        void pause() throws Exception {
            sending.set(false);
            sender.get(10, TimeUnit.SECONDS);
        }

        /**
         * Sends a KiB of the body: whether the write failed. A write to a connection the server has
         * closed is answered by a reset, so the next one fails: poll it until it does.
         */
        boolean writeRefused() {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(new byte[1024]);
                out.flush();
                return false;
            }
            catch (IOException e) {
                return true;
            }
        }

        /** Waits until the server refuses this connection's bytes (it answers them with a reset). */
        void awaitRefused() {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(this::writeRefused);
        }

        /** Checks that the server keeps taking this connection's bytes for a second. */
        void assertStillTaken() {
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !writeRefused());
        }

        @Override
        public void close() throws IOException {
            sending.set(false);
            socket.close();
        }
    }
}
