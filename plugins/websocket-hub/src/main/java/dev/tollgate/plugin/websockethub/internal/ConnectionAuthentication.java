package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Principal;
import dev.tollgate.api.event.PresenceMember;
import dev.tollgate.api.http.Headers;
import dev.tollgate.api.websocket.WebSocketSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Who one connection acts as — its principal, and the presence member it appears as — and the
 * first-message authentication that establishes them when the upgrade did not.
 *
 * <p>The principal is the session's: the one the route's filters set at the upgrade (or none, for
 * an anonymous connection), or, on a route with {@code auth { first-message = true }} and a
 * connection that arrived without one, the one the filters establish from the token of an
 * {@code auth} message ({@link dev.tollgate.api.http.Exchange#authenticate}). Until then the
 * connection may not act ({@link #mayAct()}: only {@code auth} and {@code ping} are answered), is
 * subscribed to nothing and is not counted as any user's; it is closed when the route's
 * {@code auth.timeout} passes first. A connection's user is fixed for its life.
 *
 * <h2>Expiry and fresh tokens</h2>
 * A principal that carries an expiry ({@link SessionExpiry#expiryOf}: a claim {@code exp} or
 * {@code expires_at}), from the upgrade or a first message, sets the connection's
 * {@link SessionExpiry}: {@code auth-expiring} the route's {@code auth.expiry-warning} before,
 * closed with 4001 at the expiry. Until then the client may send {@code auth} again with a fresh
 * token: the route's filters check it the same way ({@link dev.tollgate.api.http.Exchange#authenticate});
 * a principal of the same name replaces the session's (its roles and claims apply from then on, its
 * expiry replaces the old one) and is answered {@code authenticated}; one of another name is
 * refused and the connection closed (4003), as is a token the filters refuse (their code: 4001,
 * 4003, 4029); when they cannot check it now (a failure of theirs), the client is told
 * {@code UNAVAILABLE} and the session lives on until its expiry. One fresh token is checked at a
 * time. A connection without an expiry still refuses a second {@code auth}.
 *
 * <h2>States and threads</h2>
 * The state moves one way, by compare-and-set, so that the filters' answer (on whatever thread
 * completes it), the deadline (on the hub's scheduler) and the close (on the connection's I/O
 * thread) cannot both win: {@code AWAITING → CHECKING → AUTHENTICATED}, or to {@code ENDED} from
 * either of the first two; a connection authenticated at the upgrade, or anonymous, stays
 * {@code NOT_NEEDED}. The principal and member are written before the state says the connection
 * may act, so a thread that sees {@link #mayAct()} also sees who it is.
 *
 * <p>{@link #start}, {@link #authenticate} and {@link #end} are called by the connection's I/O
 * thread. When the filters accept the token, the thread completing their answer sends
 * {@code authenticated} and then runs the connection's {@code onAuthenticated} action; a refusal
 * or the deadline sends an error and closes the connection (see the module's README for the
 * codes).
 */
final class ConnectionAuthentication {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAuthentication.class);

    private final Hub hub;
    private final HubEndpoint endpoint;
    private final RouteSettings.Authentication settings;
    private final WebSocketSession session;
    private final ConnectionSender sender;
    private final Admission admission;
    private final Consumer<List<String>> onAuthenticated;
    private final AtomicReference<State> state;
    /** Who the connection acts as; null while anonymous (or not authenticated yet). */
    private volatile Principal principal;
    /** The connection as a presence member; set when it may act. */
    private volatile PresenceMember member;
    /** Closes a connection that has not authenticated in time; null when none is pending. */
    private volatile ScheduledFuture<?> deadline;
    /** When the principal's authentication expires, and the timers that act on it. */
    private final SessionExpiry expiry;
    /** Whether a fresh token is being checked. */
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /**
     * @param endpoint the route's endpoint, which decides the route's channels for the user
     * @param settings the route's {@code auth} block
     * @param admission the connection's share of capacity, counted as the user's once authenticated
     * @param principal the principal of the upgrade, or null
     * @param awaiting whether the connection must authenticate with a first message (then
     *        {@code principal} is null)
     * @param onAuthenticated what the connection does once authenticated by its first message,
     *        given the route's channels for its user, already permitted; runs on the thread that
     *        completed the filters' answer
     */
    ConnectionAuthentication(Hub hub, HubEndpoint endpoint, RouteSettings.Authentication settings, WebSocketSession session,
                             ConnectionSender sender, Admission admission, Principal principal, boolean awaiting,
                             Consumer<List<String>> onAuthenticated) {
        this.hub = requireNonNull(hub, "hub is null");
        this.endpoint = requireNonNull(endpoint, "endpoint is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.session = requireNonNull(session, "session is null");
        this.sender = requireNonNull(sender, "sender is null");
        this.admission = requireNonNull(admission, "admission is null");
        this.onAuthenticated = requireNonNull(onAuthenticated, "onAuthenticated is null");
        if (awaiting && principal != null) {
            throw new IllegalArgumentException("a connection awaiting authentication has no principal yet");
        }
        this.principal = principal;
        this.state = new AtomicReference<>(awaiting ? State.AWAITING : State.NOT_NEEDED);
        this.expiry = new SessionExpiry(hub, sender, settings.expiryWarning());
    }

    /** Who the connection acts as; null while anonymous or not authenticated yet. */
    Principal principal() {
        return principal;
    }

    /** The connection as a presence member, under its principal's name (empty when anonymous); null until it may act. */
    PresenceMember member() {
        return member;
    }

    /** Whether the connection may act: it needed no authentication, or has authenticated. */
    boolean mayAct() {
        State current = state.get();
        return current == State.NOT_NEEDED || current == State.AUTHENTICATED;
    }

    /**
     * The session opened: starts the deadline of a connection that must authenticate.
     *
     * @return whether the connection may act at once (it needs no first message)
     */
    boolean start() {
        if (state.get() == State.AWAITING) {
            Duration timeout = settings.timeout();
            deadline = hub.scheduler().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
            return false;
        }
        member = presenceMember(principal);
        expiry.schedule(principal);
        return true;
    }

    /**
     * {@code auth}: presents the token to the route's authentication filters; the reply
     * ({@code authenticated}, or an error and a close) follows when they have answered.
     *
     * @throws ProtocolException when the connection cannot take {@code auth} (it has a user, is
     *         being checked, or its route takes no first-message authentication) or the token is
     *         missing or not header text; the connection stays as it was
     */
    void authenticate(ClientRequest request) throws ProtocolException {
        State current = state.get();
        if ((current == State.NOT_NEEDED || current == State.AUTHENTICATED) && principal != null && expiry.expires()) {
            refresh(request);
            return;
        }
        if (current == State.NOT_NEEDED) {
            if (principal != null) {
                throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED,
                        "this connection is authenticated already; open a new connection to change user");
            }
            throw new ProtocolException(ProtocolError.FORBIDDEN, "this route does not take first-message authentication");
        }
        if (current != State.AWAITING) {
            throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED, current == State.CHECKING
                    ? "this connection's authentication is being checked" : "this connection is authenticated already");
        }
        String token = token(request);
        if (!state.compareAndSet(State.AWAITING, State.CHECKING)) {
            throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED, "this connection's authentication is being checked");
        }
        check(token).whenComplete((authenticated, failure) -> checked(request.id(), authenticated, failure));
    }

    /**
     * {@code auth} on a connection whose authentication expires: presents the fresh token to the
     * route's filters; the reply follows when they have answered.
     */
    private void refresh(ClientRequest request) throws ProtocolException {
        String token = token(request);
        if (!refreshing.compareAndSet(false, true)) {
            throw new ProtocolException(ProtocolError.ALREADY_AUTHENTICATED, "this connection's fresh token is being checked");
        }
        check(token).whenComplete((authenticated, failure) -> {
            try {
                refreshed(request.id(), authenticated, failure);
            }
            finally {
                refreshing.set(false);
            }
        });
    }

    /** The token of an {@code auth} request, checked to fit in a header. */
    private static String token(ClientRequest request) throws ProtocolException {
        String token = request.token();
        if (token == null || token.isEmpty()) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "auth needs a token");
        }
        if (!isTokenText(token)) {
            throw new ProtocolException(ProtocolError.BAD_MESSAGE, "a token is printable ASCII without spaces");
        }
        return token;
    }

    /** Runs the route's authentication filters on {@code token}; never throws. */
    private CompletionStage<Optional<Principal>> check(String token) {
        Headers credentials = Headers.create().set(settings.header(), settings.credential(token));
        try {
            return session.exchange().authenticate(credentials);
        }
        catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The session closed: ends an authentication that has not succeeded, its deadline and the expiry's timers. */
    void end() {
        endUnlessAuthenticated();
        expiry.end();
    }

    /** The route's filters answered an {@code auth}; on any thread. */
    private void checked(String id, Optional<Principal> authenticated, Throwable failure) {
        if (state.get() != State.CHECKING) {
            return;
        }
        if (failure != null) {
            refuse(id, Hub.unwrap(failure));
            return;
        }
        if (authenticated.isEmpty()) {
            refuse(id, new GatewayException(ErrorCode.UNAUTHORIZED, "the token was not accepted"));
            return;
        }
        Principal user = authenticated.get();
        if (!admission.bindUser(user.name())) {
            refuse(id, new GatewayException(ErrorCode.TOO_MANY_REQUESTS, hub.capacity().userLimitMessage()));
            return;
        }
        List<String> channels;
        try {
            channels = endpoint.routeChannels(session.exchange().route(), user);
        }
        catch (GatewayException e) {
            refuse(id, e);
            return;
        }
        principal = user;
        member = presenceMember(user);
        // Before the state says so, so that a fresh token sent at once finds the expiry set; a
        // close that wins below ends the timers with the connection.
        expiry.schedule(user);
        if (!state.compareAndSet(State.CHECKING, State.AUTHENTICATED)) {
            // The deadline or the close came first; the close gives the user's count back.
            return;
        }
        cancelDeadline();
        hub.metrics().authenticationAccepted();
        // From here the client's own requests may run on its I/O thread alongside what
        // onAuthenticated does: subscribing is atomic per channel.
        sender.reply(ServerMessages.authenticated(id, user.name()));
        onAuthenticated.accept(channels);
    }

    /** The route's filters answered a fresh token; on any thread. */
    private void refreshed(String id, Optional<Principal> authenticated, Throwable failure) {
        if (!expiry.expires() || !session.isOpen()) {
            // Expired (and closed) while the filters were checking, or closed otherwise.
            return;
        }
        if (failure != null) {
            Throwable cause = Hub.unwrap(failure);
            if (cause instanceof GatewayException refusal && refusal.code().httpStatus() < 500) {
                rejectFreshToken(id, refusal);
            }
            else {
                LOG.debug("A fresh token of {} could not be checked: {}", sender, Hub.describe(cause));
                sender.reply(ServerMessages.error(id, null, ProtocolError.UNAVAILABLE,
                        "the token cannot be checked now; try again before the session expires"));
            }
            return;
        }
        if (authenticated.isEmpty()) {
            rejectFreshToken(id, new GatewayException(ErrorCode.UNAUTHORIZED, "the token was not accepted"));
            return;
        }
        Principal user = authenticated.get();
        Principal current = principal;
        if (current == null || !user.name().equals(current.name())) {
            rejectFreshToken(id, new GatewayException(ErrorCode.FORBIDDEN,
                    "the token is for another user; open a new connection to change user"));
            return;
        }
        principal = user;
        expiry.schedule(user);
        hub.metrics().authenticationRefreshed();
        sender.reply(ServerMessages.authenticated(id, user.name()));
    }

    /** Refuses a fresh token: the session ends now, its expiry's timers with it. */
    private void rejectFreshToken(String id, Throwable failure) {
        expiry.end();
        rejectAndClose(id, failure);
    }

    /** Answers a refused first {@code auth} with an error and closes the connection. */
    private void refuse(String id, Throwable failure) {
        if (!endUnlessAuthenticated()) {
            return;
        }
        rejectAndClose(id, failure);
    }

    /**
     * Answers a refused {@code auth} with an error and closes the connection: 4001, 4003 or 4029 by
     * the refusal's code, 1013 when the token could not be checked.
     */
    private void rejectAndClose(String id, Throwable failure) {
        hub.metrics().authenticationRefused();
        ProtocolError error;
        int closeCode;
        String closeReason;
        String message;
        if (failure instanceof GatewayException refusal && refusal.code().httpStatus() < 500) {
            message = refusal.getMessage();
            switch (refusal.code()) {
                case FORBIDDEN -> {
                    error = ProtocolError.FORBIDDEN;
                    closeCode = 4003;
                    closeReason = "forbidden";
                }
                case TOO_MANY_REQUESTS -> {
                    error = ProtocolError.TOO_MANY_REQUESTS;
                    closeCode = 4029;
                    closeReason = "too many requests";
                }
                default -> {
                    error = ProtocolError.UNAUTHORIZED;
                    closeCode = 4001;
                    closeReason = "unauthorized";
                }
            }
        }
        else {
            // The runtime logged the cause (with the request id) when it was not a GatewayException.
            LOG.debug("Authentication of {} failed: {}", sender, Hub.describe(failure));
            error = ProtocolError.UNAVAILABLE;
            message = "the token cannot be checked now; try again later";
            closeCode = 1013;
            closeReason = "try again later";
        }
        sender.reply(ServerMessages.error(id, null, error, message));
        sender.close(closeCode, closeReason);
    }

    /** The route's {@code auth.timeout} passed; on the scheduler. */
    private void timedOut() {
        if (!endUnlessAuthenticated()) {
            return;
        }
        hub.metrics().authenticationTimedOut();
        sender.reply(ServerMessages.error(null, null, ProtocolError.UNAUTHORIZED,
                "not authenticated within " + settings.timeout().toMillis() + " ms"));
        sender.close(4001, "authentication timed out");
    }

    /** Ends an authentication that has not succeeded; false when it had succeeded or ended already. */
    private boolean endUnlessAuthenticated() {
        State current;
        do {
            current = state.get();
            if (current != State.AWAITING && current != State.CHECKING) {
                return false;
            }
        }
        while (!state.compareAndSet(current, State.ENDED));
        cancelDeadline();
        return true;
    }

    private void cancelDeadline() {
        ScheduledFuture<?> pending = deadline;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    /** This connection as a presence member, under {@code user}'s name (empty when anonymous). */
    private PresenceMember presenceMember(Principal user) {
        return new PresenceMember(hub.instanceId() + "/" + session.id(), user == null ? "" : user.name(),
                Map.of("since", hub.clock().instant().toString()));
    }

    /** Visible ASCII: a token goes into a header value, so no spaces, controls or line breaks. */
    private static boolean isTokenText(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        Principal current = principal;
        return current == null ? "anonymous" : current.name();
    }

    /** Where a connection is in authenticating; see the class comment. */
    private enum State {
        /** The upgrade decided: authenticated by the route's filters, or anonymous. */
        NOT_NEEDED,
        /** Waiting for {@code auth}. */
        AWAITING,
        /** The route's filters are checking the token. */
        CHECKING,
        /** Authenticated by the first message. */
        AUTHENTICATED,
        /** Refused, timed out or closed before authenticating. */
        ENDED
    }
}
