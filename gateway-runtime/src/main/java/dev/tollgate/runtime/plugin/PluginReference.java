package dev.tollgate.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.config.ConfigKeys;
import dev.tollgate.runtime.config.HoconConfig;

import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A plugin's {@code reference.conf}, read through the plugin's own class loader: the defaults
 * and the schema of every block configuring one of its components.
 *
 * <pre>
 * tollgate {
 *   plugins.&lt;id&gt; { … }            # gateway.plugins.&lt;id&gt;
 *   filters.&lt;name&gt; { … }          # each use of the filter in a route
 *   endpoints.&lt;name&gt; { … }        # each route naming the endpoint
 *   backends.&lt;name&gt;.service { … } # each service with backend = &lt;name&gt;
 *   backends.&lt;name&gt;.route { … }   # a route's options for such a service
 *   bridges.&lt;name&gt; { … }          # gateway.events.&lt;name&gt;
 *   discovery.&lt;name&gt; { … }        # gateway.discovery.&lt;name&gt;
 * }
 * </pre>
 * A block the reference does not describe takes no keys at all.
 */
public final class PluginReference {
    private final Config reference;

    private PluginReference(Config reference) {
        this.reference = reference;
    }

    /** Reads {@code reference.conf} visible to {@code loader}. */
    public static PluginReference load(ClassLoader loader, String pluginSource) {
        try {
            Config config = ConfigFactory.parseResources(loader, "reference.conf").resolve();
            return new PluginReference(config.hasPath("tollgate") ? config.getConfig("tollgate") : ConfigFactory.empty());
        }
        catch (ConfigException e) {
            throw new IllegalStateException("the reference.conf of " + pluginSource + " is invalid: " + e.getMessage(), e);
        }
    }

    /** A plugin without a reference.conf. */
    public static PluginReference empty() {
        return new PluginReference(ConfigFactory.empty());
    }

    /**
     * Checks {@code user} against the section and returns it with the section's defaults merged in.
     *
     * @param section e.g. {@code filters.jwt} or {@code backends.http.route}
     * @throws InvalidConfigException for an unknown key or a value of the wrong type
     */
    public HoconConfig validate(HoconConfig user, String section) {
        requireNonNull(user, "user is null");
        Config defaults = reference.hasPath(section) ? reference.getConfig(section) : ConfigFactory.empty();
        ConfigKeys.checkKnown(user, defaults.root(), Set.of());
        HoconConfig merged;
        try {
            merged = user.withFallback(defaults);
        }
        catch (ConfigException e) {
            throw user.error(e.getMessage());
        }
        try {
            merged.config().checkValid(defaults);
        }
        catch (ConfigException.ValidationFailed e) {
            ConfigException.ValidationProblem problem = e.problems().iterator().next();
            throw new InvalidConfigException(user.pathOf(problem.path()), HoconConfig.originOf(problem.origin()), problem.problem());
        }
        return merged;
    }
}
