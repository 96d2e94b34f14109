package dev.tollgate.runtime.server;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.concurrent.CompletionStage;

/** Accepts WebSocket upgrades for {@link Exchange#upgradeToWebSocket}; implemented by the runtime's WebSocket support. */
public interface WebSocketUpgrades {

    /** Whether the request asks for a WebSocket (HTTP/1.1 Upgrade, or HTTP/2 extended CONNECT). */
    boolean isUpgradeRequest(Request request);

    /**
     * Answers the handshake and drives {@code handler}. Completes {@code callback} when the
     * handshake response is done; the returned stage completes when the upgrade was accepted or
     * fails with the reason it was not. {@code handlerLoader} is the context class loader for
     * calls into {@code handler}.
     */
    CompletionStage<Void> upgrade(Exchange exchange, Request request, Response response, Callback callback,
                                  WebSocketHandler handler, WebSocketSettings settings, ClassLoader handlerLoader);
}
