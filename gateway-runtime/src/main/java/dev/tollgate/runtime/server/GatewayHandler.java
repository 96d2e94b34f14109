package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.runtime.chain.FilterChain;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;

import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The one Jetty handler of the gateway: gives the request its id and canonical path, builds its
 * {@link GatewayExchange} on the current generation's {@link Pipeline} and runs the pipeline —
 * the gateway-wide filters, then routing and the route's chain.
 *
 * <p>It is non-blocking, and says so to Jetty, so that Jetty may call it on the thread that
 * parsed the request; nothing here or in the chain may block.
 *
 * <p>Only what makes a request unroutable is answered here, before any filter: a CONNECT that is
 * not a WebSocket's (405: the gateway is no forward proxy), a path that is not an absolute path,
 * or one that carries {@code ;parameters} (Jetty has already refused ambiguous encodings per the
 * configured URI compliance). Everything else routing refuses is an error
 * response of the pipeline ({@link Router}), so gateway-wide filters see it.
 */
public final class GatewayHandler extends Handler.Abstract {
    private final Supplier<Pipeline> pipelines;
    private final ServerSettings settings;

    /** @param pipelines the current generation's pipeline; swapped as a whole on reload */
    public GatewayHandler(Supplier<Pipeline> pipelines, ServerSettings settings) {
        super(InvocationType.NON_BLOCKING);
        this.pipelines = requireNonNull(pipelines, "pipelines is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String requestIdHeader = settings.requestIdHeader();
        String clientRequestId = request.getHeaders().get(requestIdHeader);
        String requestId = RequestIds.accept(clientRequestId);
        response.getHeaders().put(requestIdHeader, requestId);

        if (HttpMethod.CONNECT.is(request.getMethod()) && !settings.webSockets().isUpgradeRequest(request)) {
            // Over HTTP/2 Jetty makes the stream a tunnel, whose body a reader would wait on forever.
            return reject(request, response, callback, requestId, new GatewayException(ErrorCode.METHOD_NOT_ALLOWED,
                    "CONNECT is not served: the gateway is not a forward proxy"));
        }
        HttpURI uri = request.getHttpURI();
        String canonicalPath = uri.getCanonicalPath();
        if (canonicalPath == null || canonicalPath.isEmpty() || canonicalPath.charAt(0) != '/') {
            return reject(request, response, callback, requestId,
                    new GatewayException(ErrorCode.BAD_REQUEST, "the path is not a valid absolute path"));
        }
        if (settings.mergeSlashes() && canonicalPath.contains("//")) {
            canonicalPath = URIUtil.compactPath(canonicalPath);
        }
        String rawPath = uri.getPath();
        if (settings.rejectPathParameters() && rawPath != null && rawPath.indexOf(';') >= 0) {
            // Jetty drops ;parameters from the canonical path; a backend might not.
            return reject(request, response, callback, requestId,
                    new GatewayException(ErrorCode.BAD_REQUEST, "path parameters (;) are not accepted"));
        }

        Pipeline pipeline = pipelines.get();
        while (!pipeline.enter()) {
            pipeline = pipelines.get();
        }
        GatewayExchange exchange = new GatewayExchange(request, response, callback, requestId, canonicalPath, settings,
                start, pipeline.unmatched(), pipeline::exit);
        if (!requestId.equals(clientRequestId)) {
            exchange.request().headers().set(requestIdHeader, requestId);
        }
        FilterChain system = pipeline.systemEntry(canonicalPath);
        if (system != null) {
            exchange.bind(settings.systemTarget(), java.util.Map.of());
            exchange.run(system);
        }
        else {
            exchange.run(pipeline.entry());
        }
        return true;
    }

    private boolean reject(Request request, Response response, Callback callback, String requestId, GatewayException error) {
        // Nobody reads the body: skip it if it arrived whole, else Jetty closes the connection and says so.
        request.consumeAvailable();
        ErrorResponses.write(response, error, settings.requestIdHeader(), requestId, "HEAD".equals(request.getMethod()), callback);
        return true;
    }
}
