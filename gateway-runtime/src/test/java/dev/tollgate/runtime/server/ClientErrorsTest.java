package dev.tollgate.runtime.server;

import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.RawHttp2;
import dev.tollgate.runtime.testing.TestGateway;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients' protocol mistakes are theirs: counted in {@code /metrics}, logged at DEBUG, never as
 * gateway errors with a stack trace.
 */
class ClientErrorsTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                routes = [ { path = "/echo/**", endpoint = test-echo }, { path = "/stream", endpoint = test-stream } ]
                """);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void aRequestBodyResetByAnHttp2ClientIsCountedNotLoggedAsAnError() throws Exception {
        try (CapturedLogs errors = new CapturedLogs(ErrorResponses.class);
             CapturedLogs sender = new CapturedLogs(ResponseSender.class);
             RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
            double before = count("aborted_body");
            String[] post = RawHttp2.get("http", "/stream");
            post[1] = "POST";
            http2.headers(1, false, post);
            http2.data(1, false, "part of it".getBytes(StandardCharsets.UTF_8));
            // The endpoint streams the body back: once the first part is back, it is reading the rest.
            http2.await(DataFrame.class, data -> data.getStreamId() == 1, Duration.ofSeconds(10));
            http2.reset(1, RawHttp2.CANCEL);
            await().atMost(Duration.ofSeconds(10)).until(() -> count("aborted_body") > before);
            assertThat(errors.warnings()).isEmpty();
            assertThat(sender.warnings()).isEmpty();
        }
    }

    @Test
    void aRequestBodyCutOffByAnHttp11ClientIsCountedNotLoggedAsAnError() throws Exception {
        try (CapturedLogs errors = new CapturedLogs(ErrorResponses.class)) {
            double before = count("aborted_body");
            try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
                http.send("POST /echo/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nonly ten b");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> count("aborted_body") > before);
            assertThat(errors.warnings()).isEmpty();
        }
    }

    @Test
    void malformedRequestsAreCountedAndSummarisedAtMostOnceAMinute() throws Exception {
        try (CapturedLogs summaries = new CapturedLogs(ClientErrors.class)) {
            double before = count("malformed_request");
            try (RawHttp2 http2 = RawHttp2.clearText(gateway.gateway().httpPort())) {
                for (int stream = 1; stream <= 9; stream += 2) {
                    http2.headers(stream, true, ":method", "GET", ":scheme", "http", ":path", "/echo/x", "Connection", "close");
                    http2.awaitEnd(stream);
                }
            }
            try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
                assertThat(http.send("GET /echo/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1, 2\r\n\r\n").read().status()).isEqualTo(400);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> count("malformed_request") >= before + 6);
            assertThat(summaries.infos()).hasSizeLessThanOrEqualTo(1);
            assertThat(summaries.warnings()).isEmpty();
        }
    }

    /** The value of {@code tollgate_server_client_errors_total{reason}} in /metrics. */
    private static double count(String reason) throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher value = Pattern.compile("(?m)^tollgate_server_client_errors_total\\{reason=\"" + reason + "\"} (\\S+)$")
                .matcher(metrics.body());
        assertThat(value.find()).as("tollgate_server_client_errors_total{reason=\"%s\"} in %s", reason, metrics.body()).isTrue();
        return Double.parseDouble(value.group(1));
    }
}
