package dev.tollgate.runtime.assembly;

import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.server.Pipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * One configuration applied: the routes, filters, backends, endpoints and services it uses, held
 * in the {@link Platform}'s pool while the generation lives, and the {@link Pipeline} that serves
 * requests with them. A reload builds the next generation, swaps it in, {@link #retire retires}
 * this one and, once its exchanges have drained, {@link #release releases} what it held: what the
 * next generation also uses lives on, the rest is closed.
 */
public final class Generation {
    private static final Logger LOG = LoggerFactory.getLogger(Generation.class);

    private final long number;
    private final GatewayConfig config;
    private final Pipeline pipeline;
    private final List<Runnable> releases;
    private boolean released;

    Generation(long number, GatewayConfig config, Pipeline pipeline, List<Runnable> releases) {
        this.number = number;
        this.config = requireNonNull(config, "config is null");
        this.pipeline = requireNonNull(pipeline, "pipeline is null");
        this.releases = List.copyOf(releases);
    }

    /** 1 for the configuration the gateway started with, then one more per applied reload. */
    public long number() {
        return number;
    }

    public GatewayConfig config() {
        return config;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    /** No new exchange starts on this generation; completes when its exchanges in flight have ended. */
    public CompletionStage<Void> retire() {
        return pipeline.retire();
    }

    /** Lets go of every component and service, in the reverse order of acquisition. Idempotent. */
    public synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        for (int i = releases.size() - 1; i >= 0; i--) {
            try {
                releases.get(i).run();
            }
            catch (RuntimeException e) {
                LOG.warn("Releasing part of configuration generation {} failed", number, e);
            }
        }
    }
}
