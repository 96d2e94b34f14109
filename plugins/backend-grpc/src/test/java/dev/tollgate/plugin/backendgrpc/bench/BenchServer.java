package dev.tollgate.plugin.backendgrpc.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceImpl;

import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The gRPC server of {@code bench/grpc.sh}: the official interop {@code grpc.testing.TestService}
 * (grpc-java's {@link TestServiceImpl}) with server reflection, on loopback, until killed.
 *
 * <pre>java -cp … dev.tollgate.plugin.backendgrpc.bench.BenchServer 19300</pre>
 */
public final class BenchServer {
    private BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 19300;
        ScheduledExecutorService executor = Executors.newScheduledThreadPool(2);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new TestServiceImpl(executor))
                .addService(ProtoReflectionServiceV1.newInstance())
                .build()
                .start();
        System.out.println("listening on 127.0.0.1:" + server.getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            executor.shutdownNow();
        }));
        server.awaitTermination();
    }
}
