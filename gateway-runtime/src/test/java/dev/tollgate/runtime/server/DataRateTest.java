package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The minimum data rates count only time spent waiting for the client, so sparse streams live as
 * long as they like, and a route may turn the request rate off for long-lived request streams.
 */
class DataRateTest {

    @Test
    void aSparseStreamOnARouteWithoutARequestRateFlowsBothWaysForSeconds() throws Exception {
        ScheduledExecutorService pacing = Executors.newSingleThreadScheduledExecutor();
        try (TestGateway gateway = TestGateway.start("""
                server.limits { min-request-data-rate = 256, min-response-data-rate = 256 }
                routes = [ { path = "/sparse", endpoint = test-stream, min-request-data-rate = 0 } ]
                """);
             RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
            http.setTimeout(15_000);
            http.send("POST /sparse HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            // Six 16-byte chunks 400 ms apart: 40 bytes per second each way, far below 256, for 2.4 s.
            for (int i = 0; i < 6; i++) {
                String chunk = "10\r\n" + ("chunk-" + i + "-").repeat(2).substring(0, 16) + "\r\n";
                pacing.schedule(() -> send(http, chunk), 400L * (i + 1), TimeUnit.MILLISECONDS);
            }
            pacing.schedule(() -> send(http, "0\r\n\r\n"), 2_800, TimeUnit.MILLISECONDS);
            RawHttp.Response response = http.read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).startsWith("chunk-0-").contains("chunk-5-").hasSize(96);
        }
        finally {
            pacing.shutdownNow();
        }
    }

    private static void send(RawHttp http, String text) {
        try {
            http.send(text);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
