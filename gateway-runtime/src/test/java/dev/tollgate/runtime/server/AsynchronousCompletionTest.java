package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses completed on another thread than the one that read the request (a backend's client
 * thread): the HTTP/1.1 connection is resumed on that thread, for the next request on the
 * connection, whether it arrives later or was pipelined behind the first. Between two requests the
 * connection waits for the next one's bytes without reading first (nothing is buffered right after
 * a response); a request with a body takes Jetty's own resume.
 */
class AsynchronousCompletionTest {

    @Test
    void keepAliveAndPipelinedRequestsAfterAsynchronousResponses() throws Exception {
        try (BackendServer backend = BackendServer.start("backend");
             TestGateway gateway = proxying(backend);
             RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.setTimeout(10_000);
            for (int i = 0; i < 20; i++) {
                http.send("GET /svc/" + i + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                RawHttp.Response response = http.read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("backend");
            }
            // Three requests in one write: the second and third wait in the connection's buffer
            // while the first is answered on the backend client's thread.
            http.send("GET /svc/a HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /svc/b HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /svc/c HTTP/1.1\r\nHost: localhost\r\n\r\n");
            for (int i = 0; i < 3; i++) {
                RawHttp.Response response = http.read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.headers()).containsEntry("x-instance", "127.0.0.1:" + backend.port());
            }
            assertThat(backend.requests()).isEqualTo(23);
        }
    }

    @Test
    void requestsWithAndWithoutBodiesAlternateOnOneConnection() throws Exception {
        try (BackendServer backend = BackendServer.start("backend");
             TestGateway gateway = proxying(backend);
             RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.setTimeout(10_000);
            for (int i = 0; i < 10; i++) {
                http.send("POST /svc/sized HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
                assertThat(http.read().status()).isEqualTo(200);
                http.send("GET /svc/plain HTTP/1.1\r\nHost: localhost\r\n\r\n");
                assertThat(http.read().status()).isEqualTo(200);
                http.send("POST /svc/chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                assertThat(http.read().status()).isEqualTo(200);
                // A next request whose head comes in two writes, the first right after the response.
                http.send("GET /svc/split HTTP/1.1\r\n");
                http.send("Host: localhost\r\n\r\n");
                RawHttp.Response split = http.read();
                assertThat(split.status()).isEqualTo(200);
                assertThat(split.body()).isEqualTo("backend");
            }
            assertThat(backend.requests()).isEqualTo(40);
        }
    }

    /** A gateway routing {@code /svc/**} to {@code backend} through the test upstream backend, which answers on its client's thread. */
    private static TestGateway proxying(BackendServer backend) throws Exception {
        return TestGateway.start("""
                services { svc { backend = test-upstream, instances = ["%s"] } }
                routes = [ { path = "/svc/**", service = svc } ]
                """.formatted(backend.url()));
    }
}
