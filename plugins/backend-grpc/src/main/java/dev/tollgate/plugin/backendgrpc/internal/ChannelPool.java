package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.upstream.InstanceAddress;
import dev.tollgate.api.upstream.ServiceInstance;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * The gRPC channels of one service, a pool per instance. Each channel is an OkHttp transport to
 * exactly one address (no balancing of grpc-java's: the runtime chooses the instance per call).
 * An instance's pool opens {@code min} channels when first used and another, up to {@code max},
 * when every open one carries {@code streams-per-channel} calls; a channel beyond {@code min}
 * without a call for the idle timeout is closed by a periodic sweep.
 *
 * <p>Thread-safe; acquiring a channel never blocks (building an OkHttp channel does not connect).
 */
final class ChannelPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelPool.class);

    private final String service;
    private final ServiceSettings settings;
    private final SSLContext tls;
    private final boolean verifyHostname;
    private final Map<URI, InstanceChannels> instances = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> sweep;
    private volatile boolean closed;

    ChannelPool(String service, ServiceSettings settings, SSLContext tls, boolean verifyHostname, ScheduledExecutorService scheduler) {
        this.service = requireNonNull(service, "service is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.tls = tls;
        this.verifyHostname = verifyHostname;
        long period = Math.max(100, Math.min(settings.channels().idleTimeout().toMillis() / 2, 30_000));
        this.sweep = scheduler.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * A channel to {@code instance} for one call; {@link Lease#close() close} the lease when the
     * call has ended.
     *
     * @throws IllegalArgumentException when the instance's address is not grpc:// or grpcs://
     * @throws IllegalStateException when the pool is closed
     */
    Lease acquire(ServiceInstance instance) {
        if (closed) {
            throw new IllegalStateException("the channels of service '" + service + "' are closed");
        }
        return instance(instance).acquire();
    }

    /** An open channel to each instance, for reflection: no lease, no growth. */
    List<ManagedChannel> oneChannelEach(Collection<ServiceInstance> serviceInstances) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (ServiceInstance instance : serviceInstances) {
            try {
                try (Lease lease = instance(instance).acquire()) {
                    channels.add(lease.channel());
                }
            }
            catch (IllegalArgumentException e) {
                LOG.debug("Service '{}': {}", service, e.getMessage());
            }
        }
        return channels;
    }

    private InstanceChannels instance(ServiceInstance instance) {
        InstanceChannels channels = instances.get(instance.address());
        return channels != null ? channels : instances.computeIfAbsent(instance.address(), address -> new InstanceChannels(instance));
    }

    /** Closes the channels of instances that left the service. */
    void retain(Collection<ServiceInstance> present) {
        Set<URI> addresses = new HashSet<>();
        present.forEach(instance -> addresses.add(instance.address()));
        for (Map.Entry<URI, InstanceChannels> entry : instances.entrySet()) {
            if (!addresses.contains(entry.getKey()) && instances.remove(entry.getKey(), entry.getValue())) {
                entry.getValue().close();
            }
        }
    }

    /** Channels open to each instance, by address. */
    Map<URI, Integer> channelCounts() {
        Map<URI, Integer> counts = new java.util.TreeMap<>();
        instances.forEach((address, channels) -> counts.put(address, channels.channels.size()));
        return counts;
    }

    /** Calls in flight on the instance's channels. */
    int streamsInUse(URI address) {
        InstanceChannels channels = instances.get(address);
        return channels == null ? 0 : channels.inFlight();
    }

    private void closeIdle() {
        long now = System.nanoTime();
        for (InstanceChannels channels : instances.values()) {
            channels.closeIdle(now);
        }
    }

    @Override
    public void close() {
        closed = true;
        sweep.cancel(false);
        for (InstanceChannels channels : instances.values()) {
            channels.close();
        }
        instances.clear();
    }

    /** One call's use of a channel. */
    static final class Lease implements AutoCloseable {
        private final PooledChannel channel;
        private final AtomicInteger closed = new AtomicInteger();

        private Lease(PooledChannel channel) {
            this.channel = channel;
        }

        ManagedChannel channel() {
            return channel.channel;
        }

        /** Gives the channel back; idempotent. */
        @Override
        public void close() {
            if (closed.compareAndSet(0, 1)) {
                channel.lastUsedNanos = System.nanoTime();
                channel.inFlight.decrementAndGet();
            }
        }
    }

    private static final class PooledChannel {
        final ManagedChannel channel;
        final AtomicInteger inFlight = new AtomicInteger();
        volatile long lastUsedNanos = System.nanoTime();

        PooledChannel(ManagedChannel channel) {
            this.channel = channel;
        }
    }

    private final class InstanceChannels {
        private final InstanceAddress address;
        private final List<PooledChannel> channels = new CopyOnWriteArrayList<>();
        private volatile boolean instanceClosed;

        InstanceChannels(ServiceInstance instance) {
            InstanceAddress parsed = instance.endpoint();
            if (!parsed.scheme().isGrpc()) {
                throw new IllegalArgumentException("instance " + instance.address() + " of service '" + service
                        + "': the grpc backend takes grpc:// and grpcs:// addresses");
            }
            this.address = parsed;
        }

        Lease acquire() {
            while (true) {
                PooledChannel least = null;
                int leastInFlight = Integer.MAX_VALUE;
                for (PooledChannel channel : channels) {
                    int inFlight = channel.inFlight.get();
                    if (inFlight < leastInFlight) {
                        least = channel;
                        leastInFlight = inFlight;
                    }
                }
                int limits = settings.channels().streamsPerChannel();
                if (least == null || (leastInFlight >= limits && channels.size() < settings.channels().max())
                        || channels.size() < settings.channels().min()) {
                    synchronized (this) {
                        if (instanceClosed) {
                            throw new IllegalStateException("the channels to " + address + " are closed");
                        }
                        int target = Math.max(settings.channels().min(), channels.size() + (least == null || leastInFlight >= limits ? 1 : 0));
                        while (channels.size() < Math.min(target, settings.channels().max())) {
                            channels.add(new PooledChannel(open()));
                        }
                    }
                    continue;
                }
                least.inFlight.incrementAndGet();
                if (!channels.contains(least)) {
                    // Closed by the sweep meanwhile: take another.
                    least.inFlight.decrementAndGet();
                    continue;
                }
                if (least.channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                    // The runtime chose the instance (its health says it is up): reconnect now rather
                    // than after grpc-java's back-off, so an instance that came back takes calls at once.
                    least.channel.resetConnectBackoff();
                }
                return new Lease(least);
            }
        }

        int inFlight() {
            int sum = 0;
            for (PooledChannel channel : channels) {
                sum += channel.inFlight.get();
            }
            return sum;
        }

        private ManagedChannel open() {
            OkHttpChannelBuilder builder = OkHttpChannelBuilder.forAddress(address.host(), address.port())
                    .keepAliveTime(settings.keepalive().time().toMillis(), TimeUnit.MILLISECONDS)
                    .keepAliveTimeout(settings.keepalive().timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .keepAliveWithoutCalls(settings.keepalive().withoutCalls())
                    .maxInboundMessageSize(settings.maxResponseMessageSize())
                    .idleTimeout(settings.channels().idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    // The runtime retries, per its policy; grpc-java's own retries would hide failures from it.
                    .disableRetry()
                    // No directExecutor(): the calls' listeners then run on grpc-java's shared executor,
                    // not on the transport's thread while it holds the transport's lock. A listener
                    // completes the runtime's stages, and what follows (a retry starting a call on
                    // another channel, a response written) must not run under that lock: two
                    // transports doing so towards each other deadlock.
                    .userAgent("tollgate");
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
            LOG.debug("Service '{}': opened channel {} to {}", service, channels.size() + 1, address);
            return channel;
        }

        void closeIdle(long now) {
            long idleNanos = settings.channels().idleTimeout().toNanos();
            for (PooledChannel channel : channels) {
                synchronized (this) {
                    if (channels.size() <= settings.channels().min()) {
                        return;
                    }
                    if (channel.inFlight.get() == 0 && now - channel.lastUsedNanos >= idleNanos) {
                        channels.remove(channel);
                        channel.channel.shutdown();
                        LOG.debug("Service '{}': closed an idle channel to {}, {} left", service, address, channels.size());
                    }
                }
            }
        }

        void close() {
            synchronized (this) {
                instanceClosed = true;
            }
            for (PooledChannel channel : channels) {
                channel.channel.shutdownNow();
            }
            channels.clear();
        }
    }
}
