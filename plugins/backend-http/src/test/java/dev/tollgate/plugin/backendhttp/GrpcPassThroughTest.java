package dev.tollgate.plugin.backendhttp;

import dev.tollgate.runtime.testing.TestGateway;
import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A native gRPC client through an h2c route to a real gRPC server (the standard
 * {@code grpc.health.v1.Health} service), untouched: unary calls with their {@code grpc-status}
 * (in trailers, and in trailers-only answers), server streaming, and cancellation reaching the
 * server as a reset stream.
 */
class GrpcPassThroughTest {
    private static final HealthStatusManager health = new HealthStatusManager();
    private static final CountDownLatch serverSawCancel = new CountDownLatch(1);
    private static Server server;
    private static TestGateway gateway;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ServerInterceptor observer = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onCancel() {
                        serverSawCancel.countDown();
                        super.onCancel();
                    }
                };
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(health.getHealthService(), observer))
                .build().start();
        health.setStatus("orders", HealthCheckResponse.ServingStatus.SERVING);
        gateway = TestGateway.builder().plugin("backend-http", new HttpBackendPlugin()).config("""
                server.limits.min-response-data-rate = 0
                services { grpc { backend = http, instances = ["h2c://127.0.0.1:%d"] } }
                routes = [ { path = "/grpc.health.v1.Health/*", service = grpc } ]
                """.formatted(server.getPort())).start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.gateway().httpPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void unaryCallsPassWithTheirStatus() {
        HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(stub.check(HealthCheckRequest.newBuilder().setService("orders").build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // An unknown service is answered trailers-only: grpc-status NOT_FOUND and no message.
        assertThatThrownBy(() -> stub.check(HealthCheckRequest.newBuilder().setService("nobody").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void serverStreamingRelaysEachMessageAsItComesAndCancellationResetsTheBackendStream() throws Exception {
        BlockingQueue<HealthCheckResponse.ServingStatus> received = new LinkedBlockingQueue<>();
        Context.CancellableContext context = Context.current().withCancellation();
        context.run(() -> HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("payments").build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse response) {
                        received.add(response.getStatus());
                    }

                    @Override
                    public void onError(Throwable failure) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN);
        health.setStatus("payments", HealthCheckResponse.ServingStatus.SERVING);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus("payments", HealthCheckResponse.ServingStatus.NOT_SERVING);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);

        context.cancel(null);
        assertThat(serverSawCancel.await(10, TimeUnit.SECONDS)).as("the server saw the stream cancelled").isTrue();
    }
}
