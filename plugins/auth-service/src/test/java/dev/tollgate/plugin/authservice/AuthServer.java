package dev.tollgate.plugin.authservice;

import com.google.protobuf.Message;
import dev.tollgate.plugin.authservice.acme.CheckReply;
import dev.tollgate.plugin.authservice.acme.CheckRequest;
import dev.tollgate.plugin.authservice.acme.User;
import dev.tollgate.plugin.authservice.v1.ValidateTokenRequest;
import dev.tollgate.plugin.authservice.v1.ValidateTokenResponse;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A real grpc-java authentication service on loopback: the shipped
 * {@code tollgate.auth.v1.AuthService/ValidateToken}, or the test proto's {@code acme.Auth/Check}
 * with its own message shape. Tokens it was told about are valid for their user; the others are
 * refused with a reason that quotes the token (the gateway must not repeat it). It counts calls
 * per token, and can answer late, answer an error status, stop and start again on its port.
 */
final class AuthServer implements AutoCloseable {
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ServerServiceDefinition service;
    private final SslContext tls;
    private final int port;
    private volatile Server server;
    private volatile long delayMillis;
    private volatile Status failure;

    /**
     * A user a token stands for.
     *
     * @param expiresAt unix seconds; 0 for none
     */
    record Account(String userId, List<String> roles, Map<String, String> claims, long expiresAt) {
    }

    private AuthServer(SslContext tls, Function<AuthServer, ServerServiceDefinition> service) throws IOException {
        this.service = service.apply(this);
        this.tls = tls;
        this.server = listen(0);
        this.port = server.getPort();
    }

    private Server listen(int onPort) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", onPort)).addService(service);
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build().start();
    }

    /** The shipped proto's service on an ephemeral port. */
    static AuthServer tollgate() throws IOException {
        return tollgate(null);
    }

    /** The shipped proto's service over TLS ({@code grpcs://}) when {@code tls} is given. */
    static AuthServer tollgate(SslContext tls) throws IOException {
        return new AuthServer(tls, server -> server.definition("tollgate.auth.v1.AuthService", "ValidateToken",
                ValidateTokenRequest.getDefaultInstance(), ValidateTokenResponse.getDefaultInstance(), ValidateTokenRequest::getToken,
                (account, token) -> account == null
                        ? ValidateTokenResponse.newBuilder().setValid(false).setReason("token " + token + " is unknown").build()
                        : ValidateTokenResponse.newBuilder().setValid(true).setUserId(account.userId()).addAllRoles(account.roles())
                        .putAllClaims(account.claims()).setExpiresAt(account.expiresAt()).build()));
    }

    /** The test proto's acme.Auth/Check on an ephemeral port. */
    static AuthServer acme() throws IOException {
        return new AuthServer(null, server -> server.definition("acme.Auth", "Check", CheckRequest.getDefaultInstance(),
                CheckReply.getDefaultInstance(), request -> request.getCredentials().getAccessToken(),
                (account, token) -> account == null
                        ? CheckReply.newBuilder().setOk(false).setWhy("revoked").build()
                        : CheckReply.newBuilder().setOk(true)
                        .setUser(User.newBuilder().setId(account.userId()).addAllRoles(account.roles()))
                        .putAllAttributes(account.claims()).setExp(account.expiresAt()).build()));
    }

    private <Q extends Message, R extends Message> ServerServiceDefinition definition(
            String serviceName, String methodName, Q requestPrototype, R responsePrototype, Function<Q, String> tokenOf,
            BiFunction<Account, String, R> answer) {
        MethodDescriptor<Q, R> method = MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(serviceName, methodName))
                .setRequestMarshaller(ProtoUtils.marshaller(requestPrototype))
                .setResponseMarshaller(ProtoUtils.marshaller(responsePrototype))
                .build();
        return ServerServiceDefinition.builder(serviceName)
                .addMethod(method, ServerCalls.asyncUnaryCall((request, observer) -> {
                    String token = tokenOf.apply(request);
                    calls.computeIfAbsent(token, key -> new AtomicInteger()).incrementAndGet();
                    Runnable respond = () -> {
                        Status status = failure;
                        if (status != null) {
                            observer.onError(status.asRuntimeException());
                            return;
                        }
                        observer.onNext(answer.apply(accounts.get(token), token));
                        observer.onCompleted();
                    };
                    long delay = delayMillis;
                    if (delay > 0) {
                        timers.schedule(respond, delay, TimeUnit.MILLISECONDS);
                    }
                    else {
                        respond.run();
                    }
                }))
                .build();
    }

    /** Makes {@code token} valid for {@code account}. */
    AuthServer account(String token, Account account) {
        accounts.put(token, account);
        return this;
    }

    /** Makes {@code token} valid for {@code userId} with these roles and claims, without expiry. */
    AuthServer account(String token, String userId, List<String> roles, Map<String, String> claims) {
        return account(token, new Account(userId, roles, claims, 0));
    }

    /** Answers every call after this long. */
    AuthServer delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    /** Answers every call with this status; null to answer normally again. */
    AuthServer failWith(Status status) {
        this.failure = status;
        return this;
    }

    /** Calls made with this token so far. */
    int calls(String token) {
        AtomicInteger count = calls.get(token);
        return count == null ? 0 : count.get();
    }

    /** Calls made so far, every token. */
    int calls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    int port() {
        return port;
    }

    /** The instance address for gateway.services. */
    String url() {
        return (tls == null ? "grpc" : "grpcs") + "://127.0.0.1:" + port;
    }

    /** Stops listening; connections are closed. */
    void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Listens again on the same port. */
    void restart() throws IOException {
        server = listen(port);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        timers.shutdownNow();
    }
}
