package dev.tollgate.runtime.io;

import dev.tollgate.api.io.EventLoop;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The listeners' selectors as the SPI's event loops, through real sockets: a request finds the
 * loop of its connection, and a channel registered there is told of its readiness on that loop's
 * thread, once per interest, until cancelled.
 */
class LoopConnectorTest {
    private final BlockingQueue<EventLoop> loops = new LinkedBlockingQueue<>();
    private final AtomicReference<String> requestThread = new AtomicReference<>();
    private Server server;
    private LoopConnector connector;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new LoopConnector(server, 2, new HttpConnectionFactory());
        connector.setName("test");
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                loops.add(LoopConnector.eventLoopOf(request.getConnectionMetaData().getConnection()));
                requestThread.set(Thread.currentThread().getName());
                response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback);
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
    void aRequestFindsTheLoopOfItsConnectionAndTheLoopTellsReadinessOncePerInterest() throws Exception {
        EventLoop loop = loopOfARequest();
        assertThat(loop).isNotNull();
        assertThat(loop.toString()).startsWith("EventLoop[test/");

        try (ServerSocket peer = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             SocketChannel channel = SocketChannel.open()) {
            channel.configureBlocking(false);
            channel.connect(new InetSocketAddress(peer.getInetAddress(), peer.getLocalPort()));
            BlockingQueue<Integer> ready = new LinkedBlockingQueue<>();
            BlockingQueue<String> threads = new LinkedBlockingQueue<>();
            EventLoop.Registration registration = loop.register(channel, ops -> {
                threads.add(Thread.currentThread().getName());
                ready.add(ops);
            });
            assertThat(registration.loop()).isSameAs(loop);

            registration.interest(SelectionKey.OP_CONNECT);
            assertThat(ready.poll(10, TimeUnit.SECONDS)).isEqualTo(SelectionKey.OP_CONNECT);
            assertThat(channel.finishConnect()).isTrue();
            try (Socket accepted = peer.accept()) {
                // Nothing asked for: bytes arriving tell nothing.
                OutputStream out = accepted.getOutputStream();
                out.write("one".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(ready.poll(300, TimeUnit.MILLISECONDS)).isNull();

                registration.interest(SelectionKey.OP_READ);
                assertThat(ready.poll(10, TimeUnit.SECONDS)).isEqualTo(SelectionKey.OP_READ);
                // One-shot: the unread bytes are not told again until asked.
                assertThat(ready.poll(300, TimeUnit.MILLISECONDS)).isNull();
                ByteBuffer buffer = ByteBuffer.allocate(16);
                assertThat(channel.read(buffer)).isEqualTo(3);

                registration.interest(SelectionKey.OP_WRITE);
                assertThat(ready.poll(10, TimeUnit.SECONDS)).isEqualTo(SelectionKey.OP_WRITE);
                channel.write(ByteBuffer.wrap("two".getBytes(StandardCharsets.US_ASCII)));
                byte[] received = new byte[3];
                InputStream in = accepted.getInputStream();
                assertThat(in.readNBytes(received, 0, 3)).isEqualTo(3);
                assertThat(new String(received, StandardCharsets.US_ASCII)).isEqualTo("two");

                // The handler ran on the loop's selector thread: Jetty's pool, as the requests did.
                assertThat(threads).isNotEmpty().allSatisfy(name -> assertThat(name).startsWith("qtp"));

                registration.cancel();
                registration.interest(SelectionKey.OP_READ);
                out.write("three".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(ready.poll(300, TimeUnit.MILLISECONDS)).isNull();
            }
        }
    }

    @Test
    void everySelectorIsALoopAndABlockingChannelIsRefused() throws Exception {
        // Two selectors, connections spread over them: new connections find both loops.
        java.util.Set<EventLoop> seen = new java.util.HashSet<>();
        for (int i = 0; i < 8 && seen.size() < 2; i++) {
            seen.add(loopOfARequest());
        }
        assertThat(seen).hasSize(2);
        try (SocketChannel blocking = SocketChannel.open()) {
            EventLoop loop = seen.iterator().next();
            assertThatThrownBy(() -> loop.register(blocking, ops -> { }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("blocking mode");
        }
    }

    @Test
    void aChannelRegisteredWithInterestAlreadyAskedIsToldAndItsClosingEndsTheRegistration() throws Exception {
        EventLoop loop = loopOfARequest();
        try (ServerSocket peer = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(peer.getInetAddress(), peer.getLocalPort()));
            channel.configureBlocking(false);
            CompletableFuture<Integer> ready = new CompletableFuture<>();
            EventLoop.Registration registration = loop.register(channel, ready::complete);
            // Asked for at once, before the loop has registered the channel: kept for it.
            registration.interest(SelectionKey.OP_WRITE);
            assertThat(ready.get(10, TimeUnit.SECONDS)).isEqualTo(SelectionKey.OP_WRITE);
            channel.close();
            registration.interest(SelectionKey.OP_READ);
            assertThat(registration.toString()).contains("EventLoop[");
            peer.accept().close();
        }
    }

    @Test
    void workDeferredOnTheLoopsThreadRunsAtTheEndOfItsTurnOnThatThread() throws Exception {
        connector.setCoalesceWrites(true);
        EventLoop loop = loopOfARequest();
        assertThat(loop.deferToEndOfTurn(() -> { })).as("off the loop's thread").isFalse();
        try (ServerSocket peer = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             SocketChannel channel = SocketChannel.open(new InetSocketAddress(peer.getInetAddress(), peer.getLocalPort()));
             Socket accepted = peer.accept()) {
            channel.configureBlocking(false);
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            EventLoop.Registration registration = loop.register(channel, ops -> {
                String thread = Thread.currentThread().getName();
                boolean first = loop.deferToEndOfTurn(() -> {
                    events.add("deferred on " + (Thread.currentThread().getName().equals(thread) ? "the loop" : "another thread"));
                    // Deferred from deferred work: the same turn's end.
                    loop.deferToEndOfTurn(() -> events.add("deferred again"));
                });
                boolean failing = loop.deferToEndOfTurn(() -> {
                    throw new IllegalStateException("a deferred task fails");
                });
                boolean last = loop.deferToEndOfTurn(() -> events.add("after the failure"));
                events.add("handler " + first + " " + failing + " " + last);
            });
            registration.interest(SelectionKey.OP_WRITE);
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("handler true true true");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("deferred on the loop");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("after the failure");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("deferred again");

            // Deferring off (the listener's turns may run on other threads): nothing is deferred.
            connector.setCoalesceWrites(false);
            registration.interest(SelectionKey.OP_WRITE);
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("handler false false false");
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
            registration.cancel();
        }
    }

    @Test
    void anUpdateSubmittedByEndOfTurnWorkIsAppliedAtOnceOnTheLoopsThread() throws Exception {
        connector.setCoalesceWrites(true);
        EventLoop loop = loopOfARequest();
        ManagedSelector selector = ((SelectorEventLoop) loop).selector();
        try (ServerSocket peer = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             SocketChannel channel = SocketChannel.open(new InetSocketAddress(peer.getInetAddress(), peer.getLocalPort()));
             Socket accepted = peer.accept()) {
            channel.configureBlocking(false);
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            EventLoop.Registration registration = loop.register(channel, ops -> {
                Thread thread = Thread.currentThread();
                // Submitted during the turn: applied with the turn's updates, once its keys are handled.
                selector.submit(s -> events.add("in the turn: " + (Thread.currentThread() == thread ? "the loop" : "another thread")));
                events.add("in the turn: submitted");
                loop.deferToEndOfTurn(() -> {
                    // Submitted by end-of-turn work: applied now, before submit returns, on this thread.
                    selector.submit(s -> events.add("at the end: " + (Thread.currentThread() == thread ? "the loop" : "another thread")));
                    events.add("at the end: submitted");
                    selector.submit(s -> {
                        throw new IllegalStateException("an update fails");
                    });
                    events.add("at the end: the failure logged");
                });
            });
            registration.interest(SelectionKey.OP_WRITE);
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("in the turn: submitted");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("in the turn: the loop");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("at the end: the loop");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("at the end: submitted");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("at the end: the failure logged");

            // Off the loop's thread: queued for the loop, as Jetty does.
            CompletableFuture<Thread> applied = new CompletableFuture<>();
            selector.submit(s -> applied.complete(Thread.currentThread()));
            assertThat(applied.get(10, TimeUnit.SECONDS)).isNotSameAs(Thread.currentThread());
            registration.cancel();
        }
    }

    private EventLoop loopOfARequest() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).isEqualTo("ok");
        EventLoop loop = loops.poll(10, TimeUnit.SECONDS);
        assertThat(loop).isNotNull();
        return loop;
    }
}
