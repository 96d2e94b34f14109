package dev.tollgate.runtime.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import dev.tollgate.runtime.testing.CapturedLogs;
import dev.tollgate.runtime.testing.RawHttp;
import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under the logging configurations the gateway ships (text and JSON), a client's garbage is
 * answered and counted but logs nothing at WARN: Jetty's parser warns of every malformed or
 * repeated {@code Host} it meets (a log line per request, for anyone to send). Found by
 * {@code Http1RequestFuzzTest}.
 */
class ShippedLoggingTest {
    @AfterEach
    void restoreTestLogging() throws Exception {
        apply("logback-test.xml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"logback.xml", "logback-json.xml"})
    void malformedOrRepeatedHostsLogNothingAtWarn(String configuration) throws Exception {
        try (TestGateway gateway = TestGateway.start("""
                server.https.enabled = false
                routes = [ { path = "/echo/**", endpoint = test-echo } ]
                """)) {
            apply(configuration);
            try (CapturedLogs logs = CapturedLogs.everyLogger()) {
                for (String host : new String[] {"a:b:c", "[::1", "[::1]x", "[[a:b]]", "a b", "a:99999999", "localhost\r\nHost: other"}) {
                    try (RawHttp http = new RawHttp(gateway.gateway().httpPort())) {
                        RawHttp.Response response = http.send("GET /echo/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n").read();
                        assertThat(response.status()).as(host).isEqualTo(400);
                        assertThat(response.body()).as(host).contains("\"code\":\"BAD_REQUEST\"");
                    }
                }
                assertThat(logs.warningsWithOrigin()).isEmpty();
            }
        }
    }

    /** Replaces the logging configuration with a logback file from the class path. */
    private static void apply(String resource) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(ShippedLoggingTest.class.getClassLoader().getResource(resource));
    }
}
