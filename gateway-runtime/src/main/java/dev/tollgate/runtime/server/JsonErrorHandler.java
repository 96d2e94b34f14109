package dev.tollgate.runtime.server;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import static java.util.Objects.requireNonNull;

/**
 * Renders the errors Jetty raises itself — a request it could not parse (smuggling shapes,
 * oversized headers, ambiguous URIs), a request refused during shutdown — in the gateway's
 * JSON error shape instead of Jetty's HTML page.
 *
 * <p>Jetty answers some protocol errors with 5xx statuses (501 for an unknown
 * {@code Transfer-Encoding}, 505 for an unknown version); they are the client's fault, so they
 * are answered as 400.
 *
 * <p>Every 4xx here is a request the client got wrong at the protocol level; it is counted as a
 * {@link ClientErrors client error}, not logged as a failure.
 */
public final class JsonErrorHandler extends ErrorHandler {
    private final String requestIdHeader;
    private final ClientErrors clientErrors;

    public JsonErrorHandler(String requestIdHeader, ClientErrors clientErrors) {
        this.requestIdHeader = requireNonNull(requestIdHeader, "requestIdHeader is null");
        this.clientErrors = requireNonNull(clientErrors, "clientErrors is null");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        String message = (String) request.getAttribute(ERROR_MESSAGE);
        Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
        if (cause instanceof HttpException httpException) {
            status = httpException.getCode();
            if (message == null) {
                message = httpException.getReason();
            }
        }
        ErrorCode code = switch (status) {
            case HttpStatus.NOT_IMPLEMENTED_501, HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505 -> ErrorCode.BAD_REQUEST;
            default -> status < 400 ? ErrorCode.INTERNAL_ERROR : ErrorCode.forHttpStatus(status);
        };
        if (message == null || message.isBlank()) {
            message = HttpStatus.getMessage(code.httpStatus());
        }
        String requestId = request.getHeaders() == null ? RequestIds.generate()
                : RequestIds.accept(request.getHeaders().get(requestIdHeader));
        if (code.httpStatus() < 500) {
            clientErrors.record(ClientErrors.Reason.MALFORMED_REQUEST, request.getConnectionMetaData().getRemoteSocketAddress(),
                    "request " + requestId + ": " + code.httpStatus() + " " + message, cause);
        }
        if (response.isCommitted()) {
            callback.failed(cause != null ? cause : new IllegalStateException(message));
            return true;
        }
        GatewayException error = new GatewayException(code, message);
        if (!request.getConnectionMetaData().isPersistent()) {
            // A request Jetty could not parse closes the connection. Jetty says so only when it read
            // HTTP/1.1 in the request line, not for one it could not read that far.
            error = error.withHeader(HttpHeader.CONNECTION.asString(), "close");
        }
        ErrorResponses.write(response, error, requestIdHeader, requestId, "HEAD".equals(request.getMethod()), callback);
        return true;
    }
}
