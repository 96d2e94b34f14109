package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.upstream.InstanceAddress;
import dev.tollgate.api.upstream.ServiceInstance;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * The gRPC channels to the authentication service's instances: {@value #CHANNELS_PER_INSTANCE}
 * OkHttp channels per instance, taken in turn (validation calls are small and short, and HTTP/2
 * multiplexes them). Each channel reaches exactly one address: the runtime chooses the instance
 * for every call. A plugin-wide resource, shared by the filters naming the same service.
 *
 * <p>Thread-safe; taking a channel never blocks (building an OkHttp channel does not connect).
 */
final class AuthChannels implements AutoCloseable {
    static final int CHANNELS_PER_INSTANCE = 2;
    private static final Logger LOG = LoggerFactory.getLogger(AuthChannels.class);

    private final String service;
    private final SSLContext tls;
    private final boolean verifyHostname;
    private final Map<URI, InstanceChannels> instances = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param tls the TLS context of grpcs:// instances; null for the JDK's default
     */
    AuthChannels(String service, SSLContext tls, boolean verifyHostname) {
        this.service = requireNonNull(service, "service is null");
        this.tls = tls;
        this.verifyHostname = verifyHostname;
    }

    /**
     * A channel to {@code instance}, opened on first use.
     *
     * @throws IllegalArgumentException when the instance's address is not grpc:// or grpcs://
     * @throws IllegalStateException when the channels are closed
     */
    ManagedChannel channel(ServiceInstance instance) {
        if (closed) {
            throw new IllegalStateException("the channels to service '" + service + "' are closed");
        }
        InstanceChannels channels = instances.get(instance.address());
        if (channels == null) {
            channels = instances.computeIfAbsent(instance.address(), address -> new InstanceChannels(instance));
            if (closed && instances.remove(instance.address(), channels)) {
                // Closed while these were opened: close() may not have seen them.
                channels.close();
                throw new IllegalStateException("the channels to service '" + service + "' are closed");
            }
        }
        return channels.next();
    }

    /**
     * Opens channels to the instances that have none yet and starts connecting them, so that the
     * first validations do not pay for the connection within their deadline. Instances whose
     * address is not gRPC are left alone (their calls fail as connection failures).
     */
    void connect(Collection<ServiceInstance> present) {
        for (ServiceInstance instance : present) {
            try {
                channel(instance);
            }
            catch (IllegalArgumentException | IllegalStateException e) {
                LOG.warn("Service '{}': {}", service, e.getMessage());
            }
        }
    }

    /** Closes the channels of instances that left the service, and connects those that came. */
    void retain(Collection<ServiceInstance> present) {
        connect(present);
        Set<URI> addresses = new HashSet<>();
        present.forEach(instance -> addresses.add(instance.address()));
        for (Map.Entry<URI, InstanceChannels> entry : instances.entrySet()) {
            if (!addresses.contains(entry.getKey()) && instances.remove(entry.getKey(), entry.getValue())) {
                entry.getValue().close();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (InstanceChannels channels : instances.values()) {
            channels.close();
        }
        instances.clear();
    }

    @Override
    public String toString() {
        return "AuthChannels[" + service + ", " + instances.size() + " instances]";
    }

    /** Whether the address is one these channels can reach. */
    static void checkAddress(String service, ServiceInstance instance) {
        if (!instance.endpoint().scheme().isGrpc()) {
            throw new IllegalArgumentException("instance " + instance.address() + " of service '" + service
                    + "' is not a gRPC address: the authentication service's instances are grpc:// or grpcs://");
        }
    }

    private final class InstanceChannels {
        private final InstanceAddress address;
        private final ManagedChannel[] channels = new ManagedChannel[CHANNELS_PER_INSTANCE];
        private final AtomicInteger turn = new AtomicInteger();

        InstanceChannels(ServiceInstance instance) {
            checkAddress(service, instance);
            this.address = instance.endpoint();
            for (int i = 0; i < channels.length; i++) {
                channels[i] = open();
            }
            LOG.debug("Service '{}': opened {} channels to {}", service, channels.length, address);
        }

        ManagedChannel next() {
            ManagedChannel channel = channels[Math.floorMod(turn.getAndIncrement(), channels.length)];
            if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                // The runtime chose the instance (its health says it is up): reconnect now rather
                // than after grpc-java's back-off, so an instance that came back answers at once.
                channel.resetConnectBackoff();
            }
            return channel;
        }

        private ManagedChannel open() {
            OkHttpChannelBuilder builder = OkHttpChannelBuilder.forAddress(address.host(), address.port())
                    .idleTimeout(5, TimeUnit.MINUTES)
                    // The runtime retries, per the service's policy; grpc-java's own retries would hide failures from it.
                    .disableRetry()
                    // No directExecutor(): the answer's listener completes the request's stage and the
                    // request goes on from there (the route's other filters, the backend); on the
                    // transport's thread that would run under the transport's lock, and two transports
                    // doing so towards each other deadlock (seen in backend-grpc under load).
                    .userAgent("tollgate-auth-service");
            if (address.isSecure()) {
                builder.useTransportSecurity();
                if (tls != null) {
                    builder.sslSocketFactory(tls.getSocketFactory());
                }
                if (!verifyHostname) {
                    builder.hostnameVerifier((host, session) -> true);
                }
            }
            else {
                builder.usePlaintext();
            }
            ManagedChannel channel = builder.build();
            channel.getState(true);
            return channel;
        }

        void close() {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
        }
    }
}
