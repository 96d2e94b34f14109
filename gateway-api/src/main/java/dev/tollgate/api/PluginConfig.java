package dev.tollgate.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A typed, read-only view of one block of HOCON configuration: a plugin's settings
 * ({@code gateway.plugins.<id>}), one use of a filter on a route, a service handled by a
 * backend, an endpoint, a bridge. Defaults from the plugin's {@code reference.conf} are already
 * merged in and unknown keys already refused, so a factory reads the values it needs into a
 * typed record once, in {@code create}.
 *
 * <p>Keys are paths relative to this block ({@code "pool.max-connections"}). Every getter
 * throws {@link InvalidConfigException} naming the full path and origin when the value is
 * missing or of the wrong type; {@link #error} builds the same exception for a value that is
 * well typed but not acceptable (out of range, unknown enum), so all config errors read alike.
 *
 * <p>Durations and sizes use HOCON's units ({@code 10s}, {@code 250ms}, {@code 64KiB}).
 */
public interface PluginConfig {

    /** The full path of this block, for messages, e.g. {@code gateway.routes[0].filters[1]}. */
    String path();

    /**
     * The name of what this block configures: the service's name for a backend's service block
     * and route options, the filter's, endpoint's, bridge's or discovery's name for theirs, the
     * plugin id for plugin settings, the key for a nested block.
     */
    String name();

    /** Whether a value (other than null) is present at {@code key}. */
    boolean has(String key);

    /** The keys directly under this block. */
    Set<String> keys();

    String getString(String key);

    int getInt(String key);

    long getLong(String key);

    double getDouble(String key);

    boolean getBoolean(String key);

    Duration getDuration(String key);

    /** A size in bytes; HOCON accepts {@code 512}, {@code 64KiB}, {@code 10MB}. */
    long getBytes(String key);

    List<String> getStringList(String key);

    /** A nested block. */
    PluginConfig getConfig(String key);

    /** A list of blocks. */
    List<PluginConfig> getConfigList(String key);

    /**
     * A block of free-form string entries, such as a set of headers: {@code { X-A = "1" }}.
     * Values that are numbers or booleans are returned as their text.
     */
    Map<String, String> getStringMap(String key);

    /** The value at {@code key} if present. */
    default Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /**
     * An exception for a value that is present and typed correctly but not acceptable, naming
     * the full path and where it was written. Throw it from {@code create}.
     */
    InvalidConfigException error(String key, String problem);

    /** The whole block as plain Java values (maps, lists, strings, numbers, booleans). */
    Map<String, Object> unwrapped();

    /**
     * Refuses keys directly under this block other than {@code known}. The runtime refuses
     * unknown keys of the blocks its {@code reference.conf} describes; this is for the others,
     * such as the entries of a list of blocks ({@code [ { channels = …, size = … } ]}).
     *
     * @throws InvalidConfigException naming the full path of an unknown key, with the known keys
     *         (the runtime suggests the one spelled most alike)
     * @since 1.2
     */
    default void refuseUnknownKeys(Set<String> known) {
        Set<String> sortedKnown = new TreeSet<>(known);
        for (String key : new TreeSet<>(keys())) {
            if (!known.contains(key)) {
                throw error(key, "unknown setting (known: " + String.join(", ", sortedKnown) + ")");
            }
        }
    }
}
