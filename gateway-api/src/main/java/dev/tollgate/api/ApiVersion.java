package dev.tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this SPI, {@code major.minor}, compiled into the gateway-api jar.
 *
 * <p>A plugin records the API version it was built against in its
 * {@code META-INF/tollgate/plugin.properties}. The runtime loads a plugin only when the
 * majors are equal and the plugin's minor is not newer than the runtime's: minors only add
 * (new default methods, new types), majors may remove.
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    /** The API version of the gateway-api jar on this class path. */
    public static final ApiVersion CURRENT = readCurrent();

    public ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("API version parts must not be negative: " + major + "." + minor);
        }
    }

    /**
     * Parses {@code major.minor}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static ApiVersion parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("API version is missing");
        }
        String trimmed = text.trim();
        int dot = trimmed.indexOf('.');
        if (dot <= 0 || dot == trimmed.length() - 1 || trimmed.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("API version must be major.minor, got '" + text + "'");
        }
        try {
            return new ApiVersion(Integer.parseInt(trimmed.substring(0, dot)), Integer.parseInt(trimmed.substring(dot + 1)));
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("API version must be major.minor, got '" + text + "'", e);
        }
    }

    /**
     * Whether a plugin built against {@code pluginVersion} can run on this API version: same
     * major, and the plugin's minor not newer than ours.
     */
    public boolean canRun(ApiVersion pluginVersion) {
        return pluginVersion.major == major && pluginVersion.minor <= minor;
    }

    @Override
    public int compareTo(ApiVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }

    private static ApiVersion readCurrent() {
        try (InputStream in = ApiVersion.class.getResourceAsStream("/META-INF/tollgate/api.properties")) {
            if (in == null) {
                throw new IllegalStateException("META-INF/tollgate/api.properties is missing from gateway-api");
            }
            Properties properties = new Properties();
            properties.load(in);
            return parse(properties.getProperty("api-version"));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
