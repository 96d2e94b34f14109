package dev.tollgate.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A {@link PluginConfig} over plain Java values, for testing the API's readers without the
 * runtime: strings, integers, {@link Duration}s, maps (blocks) and lists of maps. Only the
 * defaults of the interface are under test; the getters here are as simple as they can be.
 */
public final class MapPluginConfig implements PluginConfig {
    private final String path;
    private final Map<String, Object> values;

    public MapPluginConfig(String path, Map<String, ?> values) {
        this.path = requireNonNull(path, "path is null");
        this.values = new LinkedHashMap<>(values);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String name() {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    @Override
    public boolean has(String key) {
        return values.get(key) != null;
    }

    @Override
    public Set<String> keys() {
        return Set.copyOf(values.keySet());
    }

    @Override
    public String getString(String key) {
        return (String) value(key);
    }

    @Override
    public int getInt(String key) {
        return (Integer) value(key);
    }

    @Override
    public long getLong(String key) {
        return ((Number) value(key)).longValue();
    }

    @Override
    public double getDouble(String key) {
        return ((Number) value(key)).doubleValue();
    }

    @Override
    public boolean getBoolean(String key) {
        return (Boolean) value(key);
    }

    @Override
    public Duration getDuration(String key) {
        return (Duration) value(key);
    }

    @Override
    public long getBytes(String key) {
        return getLong(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> getStringList(String key) {
        return (List<String>) value(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public PluginConfig getConfig(String key) {
        return new MapPluginConfig(path + "." + key, (Map<String, ?>) value(key));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<PluginConfig> getConfigList(String key) {
        List<PluginConfig> blocks = new ArrayList<>();
        List<Map<String, ?>> list = (List<Map<String, ?>>) value(key);
        for (int i = 0; i < list.size(); i++) {
            blocks.add(new MapPluginConfig(path + "." + key + "[" + i + "]", list.get(i)));
        }
        return blocks;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, String> getStringMap(String key) {
        return (Map<String, String>) value(key);
    }

    @Override
    public InvalidConfigException error(String key, String problem) {
        return new InvalidConfigException(path + "." + key, "", problem);
    }

    @Override
    public Map<String, Object> unwrapped() {
        return Map.copyOf(values);
    }

    private Object value(String key) {
        Object value = values.get(key);
        if (value == null) {
            throw new InvalidConfigException(path + "." + key, "", "missing required setting");
        }
        return value;
    }
}
