package dev.tollgate.runtime.plugin;

import dev.tollgate.api.ApiVersion;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Properties;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * What a plugin says about itself in {@code META-INF/tollgate/plugin.properties}: written by
 * the build from the plugin module's pom.
 *
 * <pre>
 * id=example
 * version=1.0.0
 * api-version=1.0
 * description=Response headers and an echo endpoint
 * </pre>
 */
public record PluginDescriptor(String id, String version, ApiVersion apiVersion, String description) {
    /** Where the descriptor lives inside a plugin jar. */
    public static final String RESOURCE = "META-INF/tollgate/plugin.properties";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");

    public PluginDescriptor {
        requireNonNull(id, "id is null");
        requireNonNull(version, "version is null");
        requireNonNull(apiVersion, "apiVersion is null");
        requireNonNull(description, "description is null");
    }

    /**
     * Reads a descriptor.
     *
     * @throws IllegalArgumentException with a message fit for the plugin report
     */
    public static PluginDescriptor read(URL resource) {
        Properties properties = new Properties();
        try (InputStream in = resource.openStream()) {
            properties.load(in);
        }
        catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
        String id = required(properties, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(RESOURCE + ": id '" + id + "' must be lower-case letters, digits and dashes");
        }
        String apiVersion = required(properties, "api-version");
        try {
            return new PluginDescriptor(id, required(properties, "version"), ApiVersion.parse(apiVersion),
                    properties.getProperty("description", "").trim());
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(RESOURCE + ": " + e.getMessage(), e);
        }
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(RESOURCE + " has no '" + key + "'");
        }
        return value.trim();
    }
}
