package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.BackendServer;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP/1.1 connection resumed on the thread that completed its proxied response (the backend
 * client's) handles at most a few more requests there in a row: a client that pipelines a flood of
 * requests answered at once cannot keep a backend's client thread busy; the rest run on the
 * server's pool.
 */
class PipelinedResumeTest {

    @Test
    void aPipelinedFloodMovesToTheServersPool() throws Exception {
        int pipelined = 40;
        try (BackendServer backend = BackendServer.start("backend");
             TestGateway gateway = TestGateway.start("""
                     services { svc { backend = test-upstream, instances = ["%s"] } }
                     routes = [
                       { path = "/svc/**", service = svc }
                       { path = "/echo", endpoint = test-echo, filters = [ test-thread ] }
                     ]
                     """.formatted(backend.url()));
             RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.setTimeout(20_000);
            StringBuilder requests = new StringBuilder("GET /svc/first HTTP/1.1\r\nHost: localhost\r\n\r\n");
            for (int i = 0; i < pipelined; i++) {
                requests.append("GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n");
            }
            http.send(requests.toString());
            assertThat(http.read().status()).isEqualTo(200);
            List<String> threads = new ArrayList<>();
            for (int i = 0; i < pipelined; i++) {
                RawHttp.Response response = http.read();
                assertThat(response.status()).isEqualTo(200);
                threads.add(response.headers().get("x-thread"));
            }
            // A chain of resumes is cut after INLINE_RESUMES; a pause in it (this machine being busy)
            // may start a new chain, so the bound checked is that most requests left the borrowed thread.
            List<String> borrowed = threads.stream().filter(name -> !name.startsWith("gateway-")).toList();
            assertThat(borrowed).as("requests handled on a thread the connection borrowed, of %s", threads)
                    .hasSizeLessThan(pipelined / 2);
            assertThat(threads).as("the rest on the server's pool").filteredOn(name -> name.startsWith("gateway-"))
                    .hasSizeGreaterThan(pipelined / 2);
        }
    }
}
