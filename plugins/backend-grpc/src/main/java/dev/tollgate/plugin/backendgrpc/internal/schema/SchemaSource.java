package dev.tollgate.plugin.backendgrpc.internal.schema;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import io.grpc.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The schema of one service, kept current: the descriptor sets read once at start, merged with
 * what server reflection says. Reflection is asked at start, every refresh interval, and when a
 * request names a method the schema does not know (at most once per not-found interval); a
 * failed refresh keeps the schema as it was.
 *
 * <p>Thread-safe; nothing blocks.
 */
public final class SchemaSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaSource.class);
    private static final Duration REFLECTION_TIMEOUT = Duration.ofSeconds(10);

    private final String service;
    private final List<FileDescriptorProto> fileDescriptors;
    private final boolean reflection;
    private final long notFoundRefreshNanos;
    private final Supplier<List<Channel>> reflectionChannels;
    private final ScheduledFuture<?> periodicRefresh;
    private volatile CompletableFuture<Schema> current;
    private volatile CompletableFuture<Schema> refreshing;
    private volatile long lastRefreshNanos;
    private volatile boolean closed;

    private SchemaSource(String service, List<FileDescriptorProto> fileDescriptors, boolean reflection, Duration refreshInterval,
                         Duration notFoundRefreshInterval, Supplier<List<Channel>> reflectionChannels, ScheduledExecutorService scheduler) {
        this.service = requireNonNull(service, "service is null");
        this.fileDescriptors = List.copyOf(fileDescriptors);
        this.reflection = reflection;
        this.notFoundRefreshNanos = notFoundRefreshInterval.toNanos();
        this.reflectionChannels = requireNonNull(reflectionChannels, "reflectionChannels is null");
        if (reflection) {
            this.current = new CompletableFuture<>();
            this.lastRefreshNanos = System.nanoTime();
            refresh().whenComplete((schema, failure) -> {
                if (failure == null) {
                    current.complete(schema);
                }
                else {
                    // Descriptor sets still serve; without any, requests wait for a later refresh.
                    if (!this.fileDescriptors.isEmpty()) {
                        current.complete(Schema.build(this.fileDescriptors));
                    }
                }
            });
            this.periodicRefresh = refreshInterval.isZero() ? null : scheduler.scheduleWithFixedDelay(this::refreshQuietly,
                    refreshInterval.toMillis(), refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
        else {
            this.current = CompletableFuture.completedFuture(Schema.build(this.fileDescriptors));
            this.periodicRefresh = null;
        }
    }

    /**
     * Starts the schema of a service: reads the descriptor sets now (a file that cannot be read
     * or whose descriptors do not build fails here), and starts asking reflection if enabled.
     *
     * @param reflectionChannels channels to the service's instances, tried in order
     * @throws IllegalArgumentException naming the file at fault
     */
    public static SchemaSource start(String service, List<Path> descriptorSets, boolean reflection, Duration refreshInterval,
                                     Duration notFoundRefreshInterval, Supplier<List<Channel>> reflectionChannels,
                                     ScheduledExecutorService scheduler) {
        List<FileDescriptorProto> files = new ArrayList<>();
        for (Path path : descriptorSets) {
            files.addAll(read(path));
        }
        if (!files.isEmpty()) {
            Schema.build(files);
        }
        return new SchemaSource(service, files, reflection, refreshInterval, notFoundRefreshInterval, reflectionChannels, scheduler);
    }

    /** The files of a descriptor set. */
    static List<FileDescriptorProto> read(Path path) {
        try {
            return FileDescriptorSet.parseFrom(Files.readAllBytes(path), Schema.EXTENSIONS).getFileList();
        }
        catch (IOException e) {
            throw new IllegalArgumentException("cannot read descriptor set " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The schema as it is now. While it is not known yet (reflection alone, not answered), the
     * stage waits for the reflection under way — or starts one, at most once per not-found
     * interval — and fails with reflection's failure when it fails.
     */
    public CompletionStage<Schema> schema() {
        CompletableFuture<Schema> known = current;
        if (known.isDone()) {
            return known;
        }
        CompletableFuture<Schema> running = refreshing;
        if (running == null || (running.isDone() && System.nanoTime() - lastRefreshNanos >= notFoundRefreshNanos)) {
            running = refresh();
        }
        return running;
    }

    /** Whether the schema is not yet known (reflection alone, not answered yet). */
    public boolean loading() {
        return !current.isDone();
    }

    /**
     * Asks reflection again after a request named an unknown method, unless that was done less
     * than the not-found interval ago; the stage completes with the schema to look in again, or
     * with null when no new one is coming.
     */
    public CompletionStage<Schema> refreshAfterNotFound() {
        if (!reflection || closed || System.nanoTime() - lastRefreshNanos < notFoundRefreshNanos) {
            return CompletableFuture.completedFuture(null);
        }
        return refresh().handle((schema, failure) -> failure == null ? schema : null);
    }

    private void refreshQuietly() {
        refresh();
    }

    /** One reflection round, shared by concurrent askers. */
    private CompletableFuture<Schema> refresh() {
        CompletableFuture<Schema> running = refreshing;
        if (running != null && !running.isDone()) {
            return running;
        }
        CompletableFuture<Schema> next = new CompletableFuture<>();
        refreshing = next;
        lastRefreshNanos = System.nanoTime();
        List<Channel> channels = reflectionChannels.get();
        tryReflection(channels, 0, null).whenComplete((files, failure) -> {
            if (failure != null) {
                LOG.warn("Service '{}': server reflection failed, the schema stays as it was: {}", service, failure.getMessage());
                next.completeExceptionally(failure);
                return;
            }
            try {
                List<FileDescriptorProto> all = new ArrayList<>(fileDescriptors);
                all.addAll(files);
                Schema schema = Schema.build(all);
                CompletableFuture<Schema> previous = current;
                if (previous.isDone()) {
                    current = CompletableFuture.completedFuture(schema);
                }
                else {
                    previous.complete(schema);
                }
                LOG.debug("Service '{}': schema from reflection: {}", service, schema);
                next.complete(schema);
            }
            catch (RuntimeException e) {
                LOG.warn("Service '{}': the schema from server reflection does not build, it stays as it was: {}", service, e.getMessage());
                next.completeExceptionally(e);
            }
        });
        return next;
    }

    private CompletionStage<List<FileDescriptorProto>> tryReflection(List<Channel> channels, int index, Throwable previous) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        if (index >= channels.size()) {
            return CompletableFuture.failedFuture(previous != null ? previous
                    : new IllegalStateException("service '" + service + "' has no instance to ask"));
        }
        return ReflectionClient.fetch(channels.get(index), REFLECTION_TIMEOUT)
                .exceptionallyCompose(failure -> tryReflection(channels, index + 1, failure));
    }

    @Override
    public void close() {
        closed = true;
        if (periodicRefresh != null) {
            periodicRefresh.cancel(false);
        }
    }
}
