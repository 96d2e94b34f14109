package dev.tollgate.api;

import java.util.Set;

/**
 * What every factory of every extension point has in common: a name that configuration refers
 * to, and one {@code create} method.
 *
 * <p>{@code create} is called at start-up (and on reload) on a runtime thread with the plugin's
 * class loader as the context class loader. It reads {@code config} into a typed record, fails
 * with {@link InvalidConfigException} for a bad value, and returns a ready component. What it
 * creates is closed by the runtime when the gateway stops or the configuration is replaced.
 *
 * @param <T> the component type
 */
public interface ComponentFactory<T extends AutoCloseable> {

    /** The name configuration uses for this component, e.g. {@code jwt}; lower-case, dashes. */
    String name();

    /**
     * Creates the component.
     *
     * @param config this use's configuration, with the plugin's defaults merged in
     * @param context services the runtime lends to the plugin
     * @throws InvalidConfigException for a missing or unacceptable value
     */
    T create(PluginConfig config, PluginContext context);

    /**
     * Keys of this component's configuration whose values must never be logged or shown
     * (secrets, passwords). The runtime masks them wherever it prints configuration.
     */
    default Set<String> sensitiveKeys() {
        return Set.of();
    }
}
