package dev.tollgate.runtime;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.Clients;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ten reloads while clients keep the gateway busy — HTTP/1.1 and h2c requests to an endpoint and
 * through a proxied service, WebSocket sessions exchanging messages — and not one request fails
 * nor one session drops. The reloads add and remove routes, change a filter, and change the
 * service's settings (a new backend, the old one draining its exchanges).
 */
class ReloadUnderLoadTest {
    private static final int RELOADS = 10;
    private static final int HTTP1_CLIENTS = 3;
    private static final int HTTP2_CLIENTS = 2;
    private static final int WEBSOCKETS = 4;

    @Test
    void tenReloadsUnderLoadFailNoRequestAndDropNoWebSocket() throws Exception {
        try (BackendServer backend = BackendServer.start("backend");
             TestGateway gateway = TestGateway.start(config(backend, 0))) {
            org.eclipse.jetty.client.HttpClient http2 = Clients.http2(gateway.home());
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong requests = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> load = new ArrayList<>();
            HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < HTTP1_CLIENTS; i++) {
                String path = i % 2 == 0 ? "/svc/x" : "/echo";
                load.add(thread("http1-" + i, () -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> response = http1.send(HttpRequest.newBuilder(gateway.http(path)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            record(failures, requests, "HTTP/1.1 " + path, response.statusCode(), response.body());
                        }
                        catch (Exception e) {
                            failures.add("HTTP/1.1 " + path + ": " + e);
                        }
                    }
                }));
            }
            for (int i = 0; i < HTTP2_CLIENTS; i++) {
                String path = i % 2 == 0 ? "/echo" : "/svc/y";
                load.add(thread("h2c-" + i, () -> {
                    while (running.get()) {
                        try {
                            ContentResponse response = http2.GET(gateway.http(path));
                            record(failures, requests, "h2c " + path, response.getStatus(), response.getContentAsString());
                        }
                        catch (Exception e) {
                            failures.add("h2c " + path + ": " + e);
                        }
                    }
                }));
            }
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < WEBSOCKETS; i++) {
                sessions.add(Session.open(gateway));
            }
            load.forEach(Thread::start);

            long before = requests.get();
            for (int reload = 1; reload <= RELOADS; reload++) {
                await().atMost(Duration.ofSeconds(20)).until(() -> requests.get() > before + 50);
                long mark = requests.get();
                ReloadResult result = gateway.reload(config(backend, reload));
                assertThat(result.applied()).as(result.message()).isTrue();
                for (Session session : sessions) {
                    session.exchange("after reload " + reload);
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> requests.get() > mark + 50);
            }
            running.set(false);
            for (Thread thread : load) {
                thread.join(10_000);
            }
            http2.stop();

            assertThat(failures).as("failed requests out of %d", requests.get()).isEmpty();
            assertThat(requests.get()).isGreaterThan(RELOADS * 100L);
            for (Session session : sessions) {
                assertThat(session.closes()).as("sessions closed").isZero();
                session.exchange("at the end");
            }
            assertThat(gateway.gateway().generation()).isEqualTo(1 + RELOADS);
            assertThat(gateway.gateway().webSocketSessions()).isEqualTo(WEBSOCKETS);
        }
    }

    /** Generation {@code n}'s configuration: every reload changes something. */
    private static String config(BackendServer backend, int n) {
        String extraRoute = n % 2 == 1 ? "{ path = \"/extra-" + n + "\", endpoint = test-echo }" : "";
        return """
                services { svc { backend = test-upstream, instances = ["%s"], retries.attempts = %d } }
                routes = [
                  { id = svc, path = "/svc/**", service = svc }
                  { id = echo, path = "/echo", endpoint = test-echo, filters = [ { type = test-tag, value = "gen-%d" } ] }
                  { id = ws, path = "/ws", endpoint = test-ws-echo }
                  %s
                ]
                """.formatted(backend.url(), n % 3 + 1, n % 2, extraRoute);
    }

    private static void record(ConcurrentLinkedQueue<String> failures, AtomicLong requests, String what, int status, String body) {
        requests.incrementAndGet();
        if (status != 200) {
            failures.add(what + ": " + status + " " + body);
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread thread = new Thread(body, "load-" + name);
        thread.setDaemon(true);
        return thread;
    }

    /** A WebSocket client of the test-ws-echo endpoint that checks every echo. */
    private static final class Session implements WebSocket.Listener {
        private final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
        private final AtomicInteger closes = new AtomicInteger();
        private final CountDownLatch greeted = new CountDownLatch(1);
        private WebSocket socket;

        static Session open(TestGateway gateway) throws Exception {
            Session session = new Session();
            session.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(gateway.ws("/ws"), session).get(10, TimeUnit.SECONDS);
            assertThat(session.greeted.await(10, TimeUnit.SECONDS)).isTrue();
            return session;
        }

        void exchange(String text) throws Exception {
            socket.sendText(text, true).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("echo:" + text));
        }

        int closes() {
            return closes.get();
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            String text = data.toString();
            if (text.startsWith("hello")) {
                greeted.countDown();
            }
            received.add(text);
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closes.incrementAndGet();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closes.incrementAndGet();
        }
    }
}
