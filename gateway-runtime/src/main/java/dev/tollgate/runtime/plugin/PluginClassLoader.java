package dev.tollgate.runtime.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The class loader of one plugin: its own jars first, the JDK (platform loader) as parent, and
 * only the SPI ({@code dev.tollgate.api}) and slf4j taken from the gateway. So a plugin sees
 * nothing of the runtime's libraries (Jetty, Typesafe Config, Jackson) and may bundle its own
 * versions of any of them; two plugins may bundle different versions of the same library.
 *
 * <p>Modelled on Trino's {@code PluginClassLoader}.
 */
public final class PluginClassLoader extends URLClassLoader {
    private static final List<String> SHARED_PACKAGES = List.of("dev.tollgate.api.", "org.slf4j.");
    private static final List<String> SHARED_RESOURCES = List.of("dev/tollgate/api/", "org/slf4j/");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String pluginName;
    private final ClassLoader gatewayLoader;

    /**
     * @param pluginName for diagnostics (the jar or folder name)
     * @param urls the plugin's jars
     * @param gatewayLoader the loader of the runtime, for the shared packages
     */
    public PluginClassLoader(String pluginName, List<URL> urls, ClassLoader gatewayLoader) {
        super("plugin:" + pluginName, urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        this.pluginName = requireNonNull(pluginName, "pluginName is null");
        this.gatewayLoader = requireNonNull(gatewayLoader, "gatewayLoader is null");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return gatewayLoader.loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                try {
                    // The JDK first: a plugin must not replace java.* or other platform classes.
                    loaded = getParent().loadClass(name);
                }
                catch (ClassNotFoundException ignored) {
                    loaded = findClass(name);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    @Override
    public URL getResource(String name) {
        if (isSharedResource(name)) {
            return gatewayLoader.getResource(name);
        }
        URL local = findResource(name);
        return local != null ? local : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (isSharedResource(name)) {
            return gatewayLoader.getResources(name);
        }
        List<URL> resources = new ArrayList<>(Collections.list(findResources(name)));
        resources.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(resources);
    }

    private static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSharedResource(String name) {
        for (String prefix : SHARED_RESOURCES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + pluginName + "]";
    }
}
