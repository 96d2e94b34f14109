package dev.tollgate.runtime.server;

import dev.tollgate.api.Principal;
import dev.tollgate.api.http.Attribute;
import dev.tollgate.api.http.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * What every exchange the runtime builds keeps besides its request and response: the request
 * id, the principal, the attributes and the completion listeners. Shared by the exchange of a
 * request ({@link GatewayExchange}) and the copy that authenticates a later credential
 * ({@link AuthenticationExchange}).
 */
abstract class ExchangeState implements Exchange {
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeState.class);

    private final String requestId;
    private final ExchangeAttributes attributes;
    private Principal principal;
    private List<Consumer<Throwable>> completionListeners;
    private boolean ended;
    private boolean watching;

    ExchangeState(String requestId) {
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.attributes = new ExchangeAttributes();
    }

    /**
     * The state of an exchange that carries on from {@code ended} once that one's HTTP exchange is
     * over (an upgraded request's WebSocket session): the same request id, principal and attributes
     * (the same attribute store, not a copy), and already ended, so a completion listener is called
     * at once.
     */
    ExchangeState(ExchangeState ended) {
        this.requestId = ended.requestId;
        this.attributes = ended.attributes;
        this.principal = ended.principal;
        this.ended = true;
    }

    @Override
    public final String requestId() {
        return requestId;
    }

    @Override
    public final Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    @Override
    public final void setPrincipal(Principal newPrincipal) {
        principal = requireNonNull(newPrincipal, "principal is null");
    }

    @Override
    public final <T> T attribute(Attribute<T> key) {
        return attributes.get(key);
    }

    @Override
    public final <T> void setAttribute(Attribute<T> key, T value) {
        attributes.set(key, value);
    }

    @Override
    public final void onComplete(Consumer<Throwable> listener) {
        requireNonNull(listener, "listener is null");
        boolean startWatching = false;
        synchronized (this) {
            if (!ended) {
                if (completionListeners == null) {
                    completionListeners = new ArrayList<>(2);
                }
                completionListeners.add(listener);
                startWatching = !watching;
                watching = true;
                listener = null;
            }
        }
        if (listener != null) {
            notifyListener(listener, null);
        }
        else if (startWatching) {
            firstListenerAdded();
        }
    }

    /** Called once, when the first completion listener is registered (to start watching the client). */
    void firstListenerAdded() {
    }

    /**
     * The exchange ended ({@code failure} null: the last byte was written); tells the listeners
     * once. Returns whether this call ended it.
     */
    final boolean end(Throwable failure) {
        List<Consumer<Throwable>> listeners;
        synchronized (this) {
            if (ended) {
                return false;
            }
            ended = true;
            listeners = completionListeners;
            completionListeners = null;
        }
        notifyAll(listeners, failure);
        return true;
    }

    /** The client went away before the exchange ended: tells the listeners registered so far. */
    final void clientFailed(Throwable failure) {
        List<Consumer<Throwable>> listeners;
        synchronized (this) {
            listeners = completionListeners;
            completionListeners = null;
        }
        notifyAll(listeners, failure);
    }

    private void notifyAll(List<Consumer<Throwable>> listeners, Throwable failure) {
        if (listeners != null) {
            for (Consumer<Throwable> listener : listeners) {
                notifyListener(listener, failure);
            }
        }
    }

    private void notifyListener(Consumer<Throwable> listener, Throwable failure) {
        try {
            listener.accept(failure);
        }
        catch (RuntimeException e) {
            LOG.error("Request {}: completion listener {} failed", requestId, listener, e);
        }
    }
}
