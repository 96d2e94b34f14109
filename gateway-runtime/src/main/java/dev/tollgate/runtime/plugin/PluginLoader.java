package dev.tollgate.runtime.plugin;

import dev.tollgate.api.ApiVersion;
import dev.tollgate.api.Plugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Finds plugins in {@code plugins.d}: each {@code *.jar} is a plugin, and so is each folder of
 * jars (for plugins that keep their dependencies as separate jars). Other files are ignored.
 *
 * <p>For each, in name order: read the descriptor through a fresh {@link PluginClassLoader},
 * refuse it if its API version cannot run here or its id is taken, skip it if configuration
 * disables it, then instantiate its {@link Plugin}s with {@link ServiceLoader} under its own
 * context class loader. A plugin that cannot be loaded is reported with one reason and does not
 * stop the others; whether that stops the gateway is the caller's decision ({@code required}).
 */
public final class PluginLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);

    private final ApiVersion runtimeApiVersion;
    private final ClassLoader gatewayLoader;

    public PluginLoader(ApiVersion runtimeApiVersion, ClassLoader gatewayLoader) {
        this.runtimeApiVersion = requireNonNull(runtimeApiVersion, "runtimeApiVersion is null");
        this.gatewayLoader = requireNonNull(gatewayLoader, "gatewayLoader is null");
    }

    /**
     * Loads every plugin of a directory.
     *
     * @param directory {@code plugins.d}; a missing directory holds no plugins
     * @param enabled whether a plugin id is enabled by configuration
     * @param taken ids already taken (class-path plugins), which refuse jars of the same id
     */
    public List<LoadedPlugin> loadDirectory(Path directory, Predicate<String> enabled, Map<String, String> taken) {
        return loadDirectory(directory, enabled, taken, source -> true);
    }

    /**
     * Loads the plugins of a directory whose source (entry name) {@code wanted} accepts: on a
     * reload, the entries that are new since the last scan.
     */
    public List<LoadedPlugin> loadDirectory(Path directory, Predicate<String> enabled, Map<String, String> taken,
                                            Predicate<String> wanted) {
        if (!Files.isDirectory(directory)) {
            LOG.info("Plugin directory {} does not exist: no plugins loaded from it", directory);
            return List.of();
        }
        Map<String, String> ids = new HashMap<>(taken);
        List<LoadedPlugin> result = new ArrayList<>();
        for (Path entry : entries(directory)) {
            List<Path> jars = jarsOf(entry);
            if (jars == null || !wanted.test(directory.relativize(entry).toString())) {
                continue;
            }
            LoadedPlugin plugin = load(directory.relativize(entry).toString(), jars, enabled, ids);
            plugin.descriptor().filter(d -> plugin.status() != LoadedPlugin.Status.REFUSED)
                    .ifPresent(d -> ids.put(d.id(), plugin.source()));
            result.add(plugin);
        }
        return result;
    }

    /**
     * What each plugin entry of a directory looks like now, by source: the sizes and modification
     * times of its jars. Comparing two scans tells which plugins appeared, changed or went away.
     */
    public static Map<String, String> scan(Path directory) {
        Map<String, String> result = new java.util.TreeMap<>();
        if (!Files.isDirectory(directory)) {
            return result;
        }
        for (Path entry : entries(directory)) {
            List<Path> jars = jarsOf(entry);
            if (jars == null) {
                continue;
            }
            StringBuilder fingerprint = new StringBuilder();
            for (Path jar : jars) {
                try {
                    fingerprint.append(jar.getFileName()).append(':').append(Files.size(jar)).append(':')
                            .append(Files.getLastModifiedTime(jar).toMillis()).append(';');
                }
                catch (IOException e) {
                    fingerprint.append(jar.getFileName()).append(":unreadable;");
                }
            }
            result.put(directory.relativize(entry).toString(), fingerprint.toString());
        }
        return result;
    }

    private static List<Path> entries(Path directory) {
        try (Stream<Path> list = Files.list(directory)) {
            return list.sorted().toList();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot list plugin directory " + directory, e);
        }
    }

    /** A plugin found on the gateway's own class path (embedding, tests); its loader is the gateway's. */
    public static LoadedPlugin fromClassPath(PluginDescriptor descriptor, Plugin plugin) {
        return LoadedPlugin.loaded("class path", descriptor, plugin.getClass().getClassLoader(), List.of(plugin));
    }

    /** The jars of an entry, or {@code null} when the entry is not a plugin. */
    private static List<Path> jarsOf(Path entry) {
        if (Files.isRegularFile(entry) && entry.getFileName().toString().endsWith(".jar")) {
            return List.of(entry);
        }
        if (Files.isDirectory(entry)) {
            try (Stream<Path> list = Files.list(entry)) {
                return list.filter(path -> path.getFileName().toString().endsWith(".jar")).sorted().toList();
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot list plugin folder " + entry, e);
            }
        }
        return null;
    }

    private LoadedPlugin load(String source, List<Path> jars, Predicate<String> enabled, Map<String, String> ids) {
        if (jars.isEmpty()) {
            return LoadedPlugin.notLoaded(source, Optional.empty(), LoadedPlugin.Status.REFUSED, "folder holds no jar");
        }
        PluginClassLoader loader = new PluginClassLoader(source, urls(jars), gatewayLoader);
        PluginDescriptor descriptor;
        try {
            URL resource = loader.findResource(PluginDescriptor.RESOURCE);
            if (resource == null) {
                closeQuietly(loader);
                return LoadedPlugin.notLoaded(source, Optional.empty(), LoadedPlugin.Status.REFUSED,
                        "no " + PluginDescriptor.RESOURCE + "; not a Tollgate plugin (see plugins/README.md)");
            }
            descriptor = PluginDescriptor.read(resource);
        }
        catch (IllegalArgumentException e) {
            closeQuietly(loader);
            return LoadedPlugin.notLoaded(source, Optional.empty(), LoadedPlugin.Status.REFUSED, e.getMessage());
        }
        Optional<PluginDescriptor> known = Optional.of(descriptor);
        if (!runtimeApiVersion.canRun(descriptor.apiVersion())) {
            closeQuietly(loader);
            String advice = descriptor.apiVersion().major() != runtimeApiVersion.major()
                    ? "use a version of the plugin built for API " + runtimeApiVersion.major() + ".x"
                    : "upgrade the gateway, or use a version of the plugin built for API " + runtimeApiVersion + " or older";
            return LoadedPlugin.notLoaded(source, known, LoadedPlugin.Status.REFUSED,
                    "built for API " + descriptor.apiVersion() + " but this gateway runs API " + runtimeApiVersion + "; " + advice);
        }
        String holder = ids.get(descriptor.id());
        if (holder != null) {
            closeQuietly(loader);
            return LoadedPlugin.notLoaded(source, known, LoadedPlugin.Status.REFUSED,
                    "plugin id '" + descriptor.id() + "' is already provided by " + holder + "; keep one of them");
        }
        if (!enabled.test(descriptor.id())) {
            closeQuietly(loader);
            return LoadedPlugin.notLoaded(source, known, LoadedPlugin.Status.DISABLED,
                    "gateway.plugins." + descriptor.id() + ".enabled = false");
        }
        ClassLoader previous = ContextClassLoader.enter(loader);
        try {
            List<Plugin> plugins = new ArrayList<>();
            for (Plugin plugin : ServiceLoader.load(Plugin.class, loader)) {
                plugins.add(plugin);
            }
            if (plugins.isEmpty()) {
                closeQuietly(loader);
                return LoadedPlugin.notLoaded(source, known, LoadedPlugin.Status.FAILED,
                        "registers no " + Plugin.class.getName() + " in META-INF/services");
            }
            return LoadedPlugin.loaded(source, descriptor, loader, plugins);
        }
        catch (ServiceConfigurationError | LinkageError e) {
            closeQuietly(loader);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.debug("Plugin {} failed to load", source, e);
            return LoadedPlugin.notLoaded(source, known, LoadedPlugin.Status.FAILED,
                    "cannot be instantiated: " + cause);
        }
        finally {
            ContextClassLoader.exit(previous);
        }
    }

    private static List<URL> urls(List<Path> jars) {
        List<URL> urls = new ArrayList<>(jars.size());
        for (Path jar : jars) {
            try {
                urls.add(jar.toUri().toURL());
            }
            catch (MalformedURLException e) {
                throw new IllegalStateException("cannot make a URL of " + jar, e);
            }
        }
        return urls;
    }

    private static void closeQuietly(PluginClassLoader loader) {
        try {
            loader.close();
        }
        catch (IOException e) {
            LOG.debug("Closing {} failed", loader, e);
        }
    }
}
