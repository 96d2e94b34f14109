package dev.tollgate.plugin.backendgrpc.internal;

import dev.tollgate.api.ErrorCode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.api.PluginContext;
import dev.tollgate.api.event.Subscription;
import dev.tollgate.api.http.Backend;
import dev.tollgate.api.http.ExchangeHandler;
import dev.tollgate.api.metrics.Metrics;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.api.upstream.Upstream;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaSource;
import io.grpc.Channel;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

import static java.util.Objects.requireNonNull;

/**
 * The backend of one service: its schema, its instances' channels (a shared {@link ChannelPool}),
 * the metadata rules and the metrics. Routes to the service get a {@link RouteHandler} each.
 *
 * <p>Thread-safe.
 */
final class GrpcBackend implements Backend {
    private final String name;
    private final ServiceSettings settings;
    private final Upstream upstream;
    private final ChannelPool pool;
    private final SchemaSource schemas;
    private final MetadataRules metadata;
    private final CallMetrics metrics;
    private final Metrics gauges;
    private final Set<URI> gaugedInstances = ConcurrentHashMap.newKeySet();
    private final Subscription watch;
    private final ScheduledExecutorService scheduler;
    private volatile Codec codec = new Codec(null, null);

    private GrpcBackend(String name, ServiceSettings settings, Upstream upstream, ChannelPool pool, SchemaSource schemas, Metrics metrics,
                        ScheduledExecutorService scheduler) {
        this.name = requireNonNull(name, "name is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.upstream = requireNonNull(upstream, "upstream is null");
        this.pool = requireNonNull(pool, "pool is null");
        this.schemas = requireNonNull(schemas, "schemas is null");
        this.metadata = new MetadataRules(settings.requestHeaders(), settings.responseHeaders());
        this.metrics = new CallMetrics(metrics, name);
        this.gauges = metrics;
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        registerGauges(upstream.instances());
        this.watch = upstream.watch(instances -> {
            pool.retain(instances);
            registerGauges(instances);
        });
    }

    /**
     * Starts the service's backend: reads its descriptor sets and starts reflection.
     *
     * @throws IllegalArgumentException naming a descriptor set that cannot be read or built
     */
    static GrpcBackend start(String name, ServiceSettings settings, Upstream upstream, ChannelPool pool, PluginContext context) {
        ServiceSettings.Schema schema = settings.schema();
        SchemaSource schemas = SchemaSource.start(name, schema.descriptorSets(), schema.reflection(), schema.refreshInterval(),
                schema.notFoundRefreshInterval(), () -> List.<Channel>copyOf(pool.oneChannelEach(upstream.instances())), context.scheduler());
        try {
            return new GrpcBackend(name, settings, upstream, pool, schemas, context.metrics(), context.scheduler());
        }
        catch (RuntimeException e) {
            schemas.close();
            throw e;
        }
    }

    private void registerGauges(List<ServiceInstance> instances) {
        for (ServiceInstance instance : instances) {
            URI address = instance.address();
            if (gaugedInstances.add(address)) {
                gauges.gauge("channels", () -> pool.channelCounts().getOrDefault(address, 0), "service", name, "instance", address.toString());
                gauges.gauge("streams_in_use", () -> pool.streamsInUse(address), "service", name, "instance", address.toString());
            }
        }
    }

    @Override
    public ExchangeHandler forRoute(PluginConfig routeOptions) {
        return new RouteHandler(this, RouteSettings.from(routeOptions, settings));
    }

    @Override
    public void close() {
        watch.close();
        schemas.close();
    }

    // --- for the calls

    String name() {
        return name;
    }

    ServiceSettings settings() {
        return settings;
    }

    Upstream upstream() {
        return upstream;
    }

    ChannelPool pool() {
        return pool;
    }

    SchemaSource schemas() {
        return schemas;
    }

    /**
     * The service's schema; fails with UNAVAILABLE naming the service while reflection has not
     * answered once (and no descriptor set was given).
     */
    CompletionStage<Schema> schema() {
        return schemas.schema().handle((schema, failure) -> {
            if (failure != null) {
                throw new GatewayException(ErrorCode.UNAVAILABLE, "the schema of service '" + name
                        + "' is not known yet: server reflection failed", failure);
            }
            return schema;
        });
    }

    /** The runtime's scheduler, for short timers. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    MetadataRules metadata() {
        return metadata;
    }

    CallMetrics metrics() {
        return metrics;
    }

    /** The JSON codec of a schema (its type registry), built once per schema. */
    JsonCodec codec(Schema schema) {
        Codec known = codec;
        if (known.schema() == schema) {
            return known.codec();
        }
        JsonCodec built = new JsonCodec(schema.registry(), settings.json());
        codec = new Codec(schema, built);
        return built;
    }

    @Override
    public String toString() {
        return "GrpcBackend[" + name + "]";
    }

    private record Codec(Schema schema, JsonCodec codec) {
    }
}
