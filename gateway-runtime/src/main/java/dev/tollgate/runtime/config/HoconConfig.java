package dev.tollgate.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PluginConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * A block of HOCON with its full path, so that every error names the key as the user would
 * look for it ({@code gateway.routes[2].filters[0].issuer}) and the file and line it came from.
 *
 * <p>The runtime reads its own configuration through this class too, so runtime and plugin
 * errors read alike.
 */
public final class HoconConfig implements PluginConfig {
    private final Config config;
    private final String path;
    private final String name;

    /** A block named after the last element of its path. */
    public HoconConfig(Config config, String path) {
        this(config, path, lastElement(path));
    }

    public HoconConfig(Config config, String path, String name) {
        this.config = requireNonNull(config, "config is null");
        this.path = requireNonNull(path, "path is null");
        this.name = requireNonNull(name, "name is null");
    }

    /** An empty block at {@code path}. */
    public static HoconConfig empty(String path, String name) {
        return new HoconConfig(ConfigFactory.empty(), path, name);
    }

    /** The same values under another name, e.g. a filter entry named after its filter. */
    public HoconConfig named(String newName) {
        return new HoconConfig(config, path, newName);
    }

    /** These values with {@code fallback} (defaults) behind them. */
    public HoconConfig withFallback(Config fallback) {
        return new HoconConfig(config.withFallback(fallback).resolve(), path, name);
    }

    /** The Typesafe config behind this block, for the runtime only. */
    public Config config() {
        return config;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String name() {
        return name;
    }

    /** The full path of a key below this block. */
    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    @Override
    public boolean has(String key) {
        return config.hasPath(key);
    }

    /** Whether the key is present, even as an explicit {@code null}. */
    public boolean hasKeyOrNull(String key) {
        return config.hasPathOrNull(key);
    }

    @Override
    public Set<String> keys() {
        return Set.copyOf(config.root().keySet());
    }

    @Override
    public String getString(String key) {
        return read(key, config::getString, "must be a string");
    }

    @Override
    public int getInt(String key) {
        return read(key, config::getInt, "must be a whole number");
    }

    @Override
    public long getLong(String key) {
        return read(key, config::getLong, "must be a whole number");
    }

    @Override
    public double getDouble(String key) {
        return read(key, config::getDouble, "must be a number");
    }

    @Override
    public boolean getBoolean(String key) {
        return read(key, config::getBoolean, "must be true or false");
    }

    @Override
    public Duration getDuration(String key) {
        return read(key, config::getDuration, "must be a duration such as 250ms, 10s, 5m");
    }

    @Override
    public long getBytes(String key) {
        return read(key, k -> config.getBytes(k), "must be a size such as 512, 64KiB, 10MB");
    }

    @Override
    public List<String> getStringList(String key) {
        return read(key, k -> List.copyOf(config.getStringList(k)), "must be a list of strings");
    }

    @Override
    public HoconConfig getConfig(String key) {
        return new HoconConfig(read(key, config::getConfig, "must be a block { … }"), pathOf(key));
    }

    @Override
    public List<PluginConfig> getConfigList(String key) {
        return List.copyOf(getBlockList(key));
    }

    /** The list of blocks at {@code key}, each with its indexed path. */
    public List<HoconConfig> getBlockList(String key) {
        List<? extends Config> list = read(key, config::getConfigList, "must be a list of blocks [ { … }, … ]");
        List<HoconConfig> blocks = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            blocks.add(new HoconConfig(list.get(i), pathOf(key) + "[" + i + "]"));
        }
        return blocks;
    }

    @Override
    public Map<String, String> getStringMap(String key) {
        ConfigObject object = read(key, config::getObject, "must be a block of name = value entries");
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            ConfigValue value = entry.getValue();
            if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
                throw new InvalidConfigException(pathOf(key) + "." + ConfigUtil.quoteString(entry.getKey()),
                        originOf(value.origin()), "must be a plain value, not a block or list");
            }
            result.put(entry.getKey(), String.valueOf(value.unwrapped()));
        }
        return Map.copyOf(result);
    }

    /** The value at {@code key}, whatever its type, or {@code null} when absent. */
    public ConfigValue valueOrNull(String key) {
        return config.hasPathOrNull(key) ? config.getValue(key) : null;
    }

    /** The type of the value at {@code key}, or {@code null} when absent or null. */
    public ConfigValueType typeOf(String key) {
        return config.hasPath(key) ? config.getValue(key).valueType() : null;
    }

    /** The list at {@code key} as raw values, for lists that mix strings and blocks. */
    public ConfigList getList(String key) {
        return read(key, config::getList, "must be a list [ … ]");
    }

    @Override
    public InvalidConfigException error(String key, String problem) {
        return new InvalidConfigException(pathOf(key), originOf(originOfKey(key)), problem);
    }

    /** Where the value at {@code key} was written, an explicit {@code null} included; the block's origin when absent. */
    private ConfigOrigin originOfKey(String key) {
        if (config.hasPath(key)) {
            return config.getValue(key).origin();
        }
        if (config.hasPathOrNull(key)) {
            // getValue refuses a null; the null value itself, found through its parents, has an origin.
            ConfigValue value = config.root();
            for (String element : ConfigUtil.splitPath(key)) {
                value = ((ConfigObject) value).get(element);
            }
            return value.origin();
        }
        return config.origin();
    }

    /** An error about this block as a whole. */
    public InvalidConfigException error(String problem) {
        return new InvalidConfigException(path, originOf(config.origin()), problem);
    }

    @Override
    public Map<String, Object> unwrapped() {
        return config.root().unwrapped();
    }

    /** Refuses unknown keys as the rest of the configuration does: with a "did you mean" when one is spelled alike. */
    @Override
    public void refuseUnknownKeys(Set<String> known) {
        ConfigKeys.checkKnown(this, known);
    }

    @Override
    public String toString() {
        return path + " " + config.root().render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    // --- Checked reads: a value of the right type that is also in range, or an error naming the key

    /** An int between {@code min} and {@code max} inclusive. */
    public int intInRange(String key, int min, int max) {
        int value = getInt(key);
        if (value < min || value > max) {
            throw error(key, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** A number between {@code min} and {@code max} inclusive. */
    public double doubleInRange(String key, double min, double max) {
        double value = getDouble(key);
        if (value < min || value > max) {
            throw error(key, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** A size in bytes between {@code min} and {@code max}, as an int. */
    public int intBytesInRange(String key, long min, long max) {
        long value = getBytes(key);
        if (value < min || value > max) {
            throw error(key, "must be between " + min + " and " + max + " bytes, got " + value);
        }
        return (int) value;
    }

    public long positiveBytes(String key) {
        long value = getBytes(key);
        if (value <= 0) {
            throw error(key, "must be positive");
        }
        return value;
    }

    public long nonNegativeLong(String key) {
        long value = getLong(key);
        if (value < 0) {
            throw error(key, "must not be negative");
        }
        return value;
    }

    public Duration positiveDuration(String key) {
        Duration value = getDuration(key);
        if (value.isZero() || value.isNegative()) {
            throw error(key, "must be positive");
        }
        return value;
    }

    public Duration nonNegativeDuration(String key) {
        Duration value = getDuration(key);
        if (value.isNegative()) {
            throw error(key, "must not be negative");
        }
        return value;
    }

    /** {@code file:line} of an origin, or its description when it has no file. */
    public static String originOf(ConfigOrigin origin) {
        if (origin == null) {
            return "";
        }
        String file = origin.filename() != null ? origin.filename()
                : origin.resource() != null ? origin.resource()
                : origin.url() != null ? origin.url().toString() : null;
        if (file == null) {
            return origin.description();
        }
        return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
    }

    private static String lastElement(String path) {
        int end = path.endsWith("]") ? path.lastIndexOf('[') : path.length();
        String withoutIndex = path.substring(0, Math.max(end, 0));
        return withoutIndex.substring(withoutIndex.lastIndexOf('.') + 1);
    }

    private <T> T read(String key, Function<String, T> getter, String expectation) {
        try {
            return getter.apply(key);
        }
        catch (ConfigException.Missing e) {
            if (config.hasPathOrNull(key)) {
                throw error(key, "is null but " + expectation);
            }
            throw new InvalidConfigException(pathOf(key), originOf(config.origin()), "missing required setting");
        }
        catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw error(key, expectation + " (" + detail(e) + ")");
        }
    }

    /** Typesafe's message without its "origin: path:" prefix; we print our own origin and path. */
    public static String detail(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() != null && message.startsWith(e.origin().description() + ": ")) {
            message = message.substring(e.origin().description().length() + 2);
        }
        int lastColon = message.lastIndexOf(": ");
        return lastColon >= 0 && !message.startsWith("Expecting") ? message.substring(lastColon + 2) : message;
    }
}
