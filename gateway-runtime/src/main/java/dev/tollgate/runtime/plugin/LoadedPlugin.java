package dev.tollgate.runtime.plugin;

import dev.tollgate.api.Plugin;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One entry of {@code plugins.d} (or a plugin on the class path) and what became of it.
 *
 * @param source the jar or folder, or {@code class path}
 * @param descriptor what the plugin says about itself; empty when it could not be read
 * @param status whether it loaded
 * @param reason why it was refused, failed or disabled; empty when loaded
 * @param classLoader the plugin's class loader; {@code null} unless loaded
 * @param plugins the {@link Plugin} instances it registered; empty unless loaded
 */
public record LoadedPlugin(
        String source,
        Optional<PluginDescriptor> descriptor,
        Status status,
        String reason,
        ClassLoader classLoader,
        List<Plugin> plugins) {

    public LoadedPlugin {
        requireNonNull(source, "source is null");
        requireNonNull(descriptor, "descriptor is null");
        requireNonNull(status, "status is null");
        requireNonNull(reason, "reason is null");
        plugins = List.copyOf(plugins);
    }

    static LoadedPlugin loaded(String source, PluginDescriptor descriptor, ClassLoader classLoader, List<Plugin> plugins) {
        return new LoadedPlugin(source, Optional.of(descriptor), Status.LOADED, "", classLoader, plugins);
    }

    static LoadedPlugin notLoaded(String source, Optional<PluginDescriptor> descriptor, Status status, String reason) {
        return new LoadedPlugin(source, descriptor, status, reason, null, List.of());
    }

    /** The plugin id, or the source when the descriptor could not be read. */
    public String id() {
        return descriptor.map(PluginDescriptor::id).orElse(source);
    }

    public boolean isLoaded() {
        return status == Status.LOADED;
    }

    /** One line for logs and {@code bin/gateway plugins}. */
    public String summary() {
        String version = descriptor.map(d -> d.version() + " (API " + d.apiVersion() + ")").orElse("-");
        return id() + " " + version + " from " + source + ": " + status.label()
                + (reason.isEmpty() ? "" : ": " + reason);
    }

    public enum Status {
        LOADED("loaded"),
        /** Not compatible (API version, duplicate id, no descriptor); the jar is not run. */
        REFUSED("refused"),
        /** Compatible but broken: it threw while loading or registers no plugin. */
        FAILED("failed"),
        /** Switched off with {@code gateway.plugins.<id>.enabled = false}. */
        DISABLED("disabled");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
