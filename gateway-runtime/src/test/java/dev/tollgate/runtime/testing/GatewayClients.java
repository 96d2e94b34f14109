package dev.tollgate.runtime.testing;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpVersion;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Real clients for one test gateway, trusting its development certificate: the JDK's over
 * HTTP/1.1 in clear text and over HTTP/2 with TLS, Jetty's over h2c with prior knowledge.
 */
public final class GatewayClients implements AutoCloseable {
    /** How a request reaches the gateway. */
    public enum Transport {
        HTTP_1_1("HTTP/1.1", false),
        HTTP_2_TLS("HTTP/2", true),
        H2C("HTTP/2", false);

        public final String version;
        public final boolean secure;

        Transport(String version, boolean secure) {
            this.version = version;
            this.secure = secure;
        }
    }

    private final TestGateway gateway;
    private final HttpClient http1;
    private final HttpClient http2;
    private final org.eclipse.jetty.client.HttpClient h2c;

    public GatewayClients(TestGateway gateway) throws Exception {
        this.gateway = gateway;
        this.http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        this.http2 = Clients.jdk(gateway.home(), HttpClient.Version.HTTP_2);
        this.h2c = Clients.http2(gateway.home());
    }

    /** Sends a request without a body; {@code headers} are name, value pairs. */
    public Answer send(Transport transport, String method, String path, String... headers) throws Exception {
        return sendWithBody(transport, method, path, null, headers);
    }

    /** Sends a request with a text body ({@code null}: none); {@code headers} are name, value pairs. */
    public Answer sendWithBody(Transport transport, String method, String path, String body, String... headers) throws Exception {
        if (transport == Transport.H2C) {
            org.eclipse.jetty.client.Request request = h2c.newRequest(gateway.http(path)).method(method).timeout(10, TimeUnit.SECONDS);
            if (body != null) {
                request.body(new StringRequestContent("text/plain", body));
            }
            request.headers(fields -> {
                for (int i = 0; i < headers.length; i += 2) {
                    fields.add(headers[i], headers[i + 1]);
                }
            });
            ContentResponse response = request.send();
            Map<String, List<String>> fields = new LinkedHashMap<>();
            for (HttpField field : response.getHeaders()) {
                fields.computeIfAbsent(field.getName(), name -> new ArrayList<>()).add(field.getValue());
            }
            String version = response.getVersion() == HttpVersion.HTTP_2 ? "HTTP/2" : response.getVersion().asString();
            return new Answer(response.getStatus(), version, fields, response.getContentAsString());
        }
        URI uri = transport.secure ? gateway.https(path) : gateway.http(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = (transport == Transport.HTTP_1_1 ? http1 : http2).send(request.build(), HttpResponse.BodyHandlers.ofString());
        String version = response.version() == HttpClient.Version.HTTP_2 ? "HTTP/2" : "HTTP/1.1";
        return new Answer(response.statusCode(), version, response.headers().map(), response.body());
    }

    @Override
    public void close() throws Exception {
        h2c.stop();
    }

    /** A response as the client saw it; header names compared without case. */
    public record Answer(int status, String version, Map<String, List<String>> headers, String body) {
        public Answer {
            Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((name, values) -> byName.computeIfAbsent(name, key -> new ArrayList<>()).addAll(values));
            headers = byName;
        }

        public List<String> header(String name) {
            return headers.getOrDefault(name, List.of());
        }

        /** The Access-Control-* headers, by lower-case name. */
        public Map<String, List<String>> accessControlHeaders() {
            Map<String, List<String>> found = new TreeMap<>();
            headers.forEach((name, values) -> {
                if (name.toLowerCase(Locale.ROOT).startsWith("access-control-")) {
                    found.put(name.toLowerCase(Locale.ROOT), values);
                }
            });
            return found;
        }

        /** Every token of every Vary field, lower case. */
        public List<String> varyTokens() {
            return header("Vary").stream()
                    .flatMap(value -> Arrays.stream(value.split(",")))
                    .map(token -> token.strip().toLowerCase(Locale.ROOT))
                    .toList();
        }
    }
}
