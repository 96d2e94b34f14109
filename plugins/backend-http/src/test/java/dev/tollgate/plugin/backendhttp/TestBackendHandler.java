package dev.tollgate.plugin.backendhttp;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The handler of the Jetty test backends (blocking, on Jetty's pool threads), by path:
 * <ul>
 *   <li>{@code /upload}: reads the body, answers {@code bytes=… crc=… protocol=… trailer=…};</li>
 *   <li>{@code /download?size=N[&chunked=true][&trailers=true]}: sends N payload bytes, with
 *       Content-Length unless chunked, and an {@code X-Checksum} trailer when asked;</li>
 *   <li>{@code /echo}: streams the request body back (no Content-Length);</li>
 *   <li>{@code /describe}: answers the protocol, method, path, query and headers it saw;</li>
 *   <li>{@code /hop}: answers with hop-by-hop headers (and one its Connection names), two
 *       Set-Cookie, a Via and an X-Request-Id of its own;</li>
 *   <li>{@code /reject}: answers 413 without reading the body (a refused {@code Expect: 100-continue});</li>
 *   <li>{@code /hold}: never answers; {@link #held} counts arrivals, {@link #aborted} completes when
 *       the request fails (the proxy reset the stream or closed the connection);</li>
 *   <li>{@code /stream}: sends payload without end until a write fails, which also completes
 *       {@link #aborted}.</li>
 * </ul>
 */
final class TestBackendHandler extends Handler.Abstract {
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private final CountDownLatch aborted = new CountDownLatch(1);

    int requests() {
        return requests.get();
    }

    int held() {
        return held.get();
    }

    /** Counted down when a held request fails. */
    CountDownLatch aborted() {
        return aborted;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        requests.incrementAndGet();
        String path = Request.getPathInContext(request);
        Fields query = Request.extractQueryParameters(request);
        switch (path) {
            case "/upload" -> {
                Payload.Checksum checksum;
                try (InputStream in = Content.Source.asInputStream(request)) {
                    checksum = Payload.checksum(in);
                }
                HttpFields trailers = request.getTrailers();
                String trailer = trailers == null ? "none" : String.valueOf(trailers.get("X-Sent"));
                text(response, callback, 200, "bytes=" + checksum.bytes() + " crc=" + checksum.crc() + " protocol="
                        + request.getConnectionMetaData().getProtocol() + " trailer=" + trailer);
            }
            case "/download" -> {
                long size = Long.parseLong(query.getValue("size"));
                boolean chunked = "true".equals(query.getValue("chunked"));
                boolean trailers = "true".equals(query.getValue("trailers"));
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                if (!chunked) {
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, size);
                }
                if (trailers) {
                    long crc = Payload.crc(size);
                    response.setTrailersSupplier(() -> HttpFields.build().put("X-Checksum", Long.toString(crc)));
                }
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    Payload.write(out, size);
                }
                callback.succeeded();
            }
            case "/echo" -> {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                byte[] buffer = new byte[16 * 1024];
                try (InputStream in = Content.Source.asInputStream(request); OutputStream out = Content.Sink.asOutputStream(response)) {
                    int read;
                    while ((read = in.read(buffer)) >= 0) {
                        out.write(buffer, 0, read);
                    }
                }
                callback.succeeded();
            }
            case "/describe" -> {
                Map<String, String> headers = new TreeMap<>();
                for (HttpField field : request.getHeaders()) {
                    headers.merge(field.getLowerCaseName(), field.getValue(), (a, b) -> a + " | " + b);
                }
                StringBuilder text = new StringBuilder()
                        .append("protocol=").append(request.getConnectionMetaData().getProtocol()).append('\n')
                        .append("method=").append(request.getMethod()).append('\n')
                        .append("path=").append(request.getHttpURI().getPath()).append('\n')
                        .append("query=").append(request.getHttpURI().getQuery()).append('\n');
                headers.forEach((name, value) -> text.append(name).append(": ").append(value).append('\n'));
                text(response, callback, 200, text.toString());
            }
            case "/stream" -> {
                held.incrementAndGet();
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    while (true) {
                        Payload.write(out, 64 * 1024);
                        out.flush();
                    }
                }
                catch (java.io.IOException e) {
                    aborted.countDown();
                    callback.failed(e);
                }
            }
            case "/hop" -> {
                HttpFields.Mutable headers = response.getHeaders();
                headers.add("Connection", "X-Secret");
                headers.add("X-Secret", "hidden");
                headers.add("Keep-Alive", "timeout=5");
                headers.add("Proxy-Authenticate", "Basic realm=backend");
                headers.add("Upgrade", "example/1");
                headers.add("Trailer", "X-Later");
                headers.add("X-Kept", "yes");
                headers.add("Set-Cookie", "a=1");
                headers.add("Set-Cookie", "b=2");
                headers.add("Via", "1.1 backend");
                headers.add("X-Request-Id", "from-the-backend");
                text(response, callback, 200, "hop");
            }
            case "/reject" -> text(response, callback, 413, "too large for this backend");
            case "/port" -> text(response, callback, 200, Integer.toString(
                    ((java.net.InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress()).getPort()));
            case "/hold" -> {
                request.addFailureListener(failure -> aborted.countDown());
                held.incrementAndGet();
            }
            default -> text(response, callback, 404, "no such test path " + path);
        }
        return true;
    }

    private static void text(Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, text, callback);
    }
}
