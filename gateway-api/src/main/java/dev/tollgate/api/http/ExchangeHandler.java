package dev.tollgate.api.http;

import java.util.concurrent.CompletionStage;

/**
 * The last step of a route's chain: produces the response of an exchange.
 *
 * <p>The returned stage completes once the response status and headers are set and the body
 * publisher (if any) is in place; the body itself streams afterwards. Fail it with a
 * {@link dev.tollgate.api.GatewayException} to answer an error. Same threading rules as
 * {@link Filter}: never block.
 */
@FunctionalInterface
public interface ExchangeHandler {
    CompletionStage<Void> handle(Exchange exchange);
}
