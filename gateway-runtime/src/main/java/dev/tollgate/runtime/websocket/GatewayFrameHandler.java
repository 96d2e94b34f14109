package dev.tollgate.runtime.websocket;

import dev.tollgate.api.http.Exchange;
import dev.tollgate.api.websocket.WebSocketHandler;
import dev.tollgate.api.websocket.WebSocketSettings;
import dev.tollgate.runtime.plugin.ContextClassLoader;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.exception.WebSocketTimeoutException;
import org.eclipse.jetty.websocket.core.exception.WebSocketWriteTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static java.util.Objects.requireNonNull;

/**
 * Adapts Jetty's frame-level {@link FrameHandler} to the SPI's message-level
 * {@link WebSocketHandler}: aggregates fragments within the size limit, validates UTF-8, keeps
 * the heartbeat clock (every frame received, pongs included, is a sign of life), and calls the
 * plugin's handler under its class loader. Jetty answers pings and close frames itself.
 */
final class GatewayFrameHandler implements FrameHandler {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayFrameHandler.class);

    private final WebSocketSupport support;
    private final Exchange exchange;
    private final WebSocketHandler handler;
    private final WebSocketSettings settings;
    private final ClassLoader loader;
    private CoreSession coreSession;
    private GatewaySession session;
    private byte partialOpCode = -1;
    private byte[] partial;
    private int partialSize;

    GatewayFrameHandler(WebSocketSupport support, Exchange exchange, WebSocketHandler handler, WebSocketSettings settings,
                        ClassLoader loader) {
        this.support = requireNonNull(support, "support is null");
        this.exchange = requireNonNull(exchange, "exchange is null");
        this.handler = requireNonNull(handler, "handler is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.loader = requireNonNull(loader, "loader is null");
    }

    @Override
    public void onOpen(CoreSession newCoreSession, Callback callback) {
        coreSession = newCoreSession;
        session = support.register(exchange, newCoreSession, settings);
        call(() -> handler.onOpen(session));
        callback.succeeded();
        newCoreSession.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        session.lastReceivedNanos = System.nanoTime();
        byte opCode = frame.getOpCode();
        switch (opCode) {
            case OpCode.TEXT, OpCode.BINARY -> {
                if (frame.isFin()) {
                    deliver(opCode, frame.getPayload());
                }
                else {
                    partialOpCode = opCode;
                    partialSize = 0;
                    append(frame.getPayload());
                }
            }
            case OpCode.CONTINUATION -> {
                if (partialOpCode >= 0 && append(frame.getPayload()) && frame.isFin()) {
                    byte finished = partialOpCode;
                    partialOpCode = -1;
                    deliver(finished, ByteBuffer.wrap(partial, 0, partialSize));
                    partial = null;
                }
            }
            default -> {
                // PING, PONG, CLOSE: Jetty responds once the callback completes.
            }
        }
        callback.succeeded();
        if (coreSession.isInputOpen()) {
            coreSession.demand();
        }
    }

    /** Adds a fragment; false (and the session closing with 1009) when the message grows too big. */
    private boolean append(ByteBuffer payload) {
        int size = payload == null ? 0 : payload.remaining();
        if ((long) partialSize + size > settings.maxMessageSize()) {
            partialOpCode = -1;
            partial = null;
            coreSession.close(CloseStatus.MESSAGE_TOO_LARGE, "message larger than " + settings.maxMessageSize() + " bytes", Callback.NOOP);
            return false;
        }
        if (partial == null) {
            partial = new byte[Math.max(1024, size)];
        }
        if (partialSize + size > partial.length) {
            partial = Arrays.copyOf(partial, Math.min(settings.maxMessageSize(), Math.max(partial.length * 2, partialSize + size)));
        }
        if (size > 0) {
            payload.get(partial, partialSize, size);
            partialSize += size;
        }
        return true;
    }

    private void deliver(byte opCode, ByteBuffer payload) {
        ByteBuffer data = payload == null ? ByteBuffer.allocate(0) : payload;
        if (data.remaining() > settings.maxMessageSize()) {
            coreSession.close(CloseStatus.MESSAGE_TOO_LARGE, "message larger than " + settings.maxMessageSize() + " bytes", Callback.NOOP);
            return;
        }
        support.statistics().received.increment();
        if (opCode == OpCode.TEXT) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(data)
                        .toString();
            }
            catch (CharacterCodingException e) {
                coreSession.close(CloseStatus.BAD_PAYLOAD, "text message is not valid UTF-8", Callback.NOOP);
                return;
            }
            call(() -> handler.onText(session, text));
        }
        else {
            call(() -> handler.onBinary(session, data));
        }
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        if (session != null && cause instanceof WebSocketTimeoutException && !(cause instanceof WebSocketWriteTimeoutException)) {
            // Jetty's own idle timer (no byte read nor written for the idle timeout) came before the sweep.
            session.idleTimedOut();
        }
        if (session != null) {
            call(() -> handler.onError(session, cause));
        }
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
        if (session == null) {
            support.openingFailed();
        }
        else {
            support.unregister(session);
            session.closed();
            call(() -> handler.onClose(session, closeStatus.getCode(), closeStatus.getReason() == null ? "" : closeStatus.getReason()));
        }
        callback.succeeded();
    }

    private void call(Runnable action) {
        try {
            ContextClassLoader.run(loader, action);
        }
        catch (RuntimeException | LinkageError e) {
            LOG.error("WebSocket handler of route {} failed on {}", exchange.route().id(), session, e);
            coreSession.close(CloseStatus.SERVER_ERROR, "internal error", Callback.NOOP);
        }
    }
}
