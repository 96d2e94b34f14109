package dev.tollgate.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.event.HistoryRule;
import dev.tollgate.api.redis.RedisSettings;
import dev.tollgate.api.upstream.InstanceAddress;
import dev.tollgate.api.upstream.ServiceInstance;
import dev.tollgate.runtime.client.TrustedProxies;
import dev.tollgate.runtime.upstream.UpstreamSettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code conf/gateway.conf} into a {@link GatewayConfig}: merges the runtime's
 * {@code reference.conf}, resolves {@code ${?ENV}} substitutions, refuses unknown keys and
 * checks every value the runtime owns. Plugin-owned blocks are checked later, against each
 * plugin's reference, when the plugins are known.
 */
public final class GatewayConfigReader {
    /** Keys of a service block that the runtime owns; the rest belongs to the backend plugin. */
    public static final Set<String> RUNTIME_SERVICE_KEYS = union(Set.of("backend", "instances", "discovery"), UpstreamSettings.KEYS);

    /** The instance URL schemes, as messages list them: "http://, https://, … or wss://". */
    private static final String INSTANCE_SCHEMES = instanceSchemes();
    private static final Set<String> HTTP_METHODS = Set.of(
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    /** A header name the gateway may be told to use: letters, digits and dashes. */
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]+");
    private static final Config ROUTE_TEMPLATE = ConfigFactory.parseString("""
            id = null, path = null, methods = [], hosts = [], headers {}, service = null, endpoint = null,
            filters = [], max-request-body-size = null, max-buffered-body-size = null,
            min-request-data-rate = null, min-response-data-rate = null
            """);
    private static final Config ROUTE_DEFAULTS = ConfigFactory.parseString("methods = [], hosts = [], headers {}, filters = []");

    private final Config reference;

    private GatewayConfigReader(Config reference) {
        this.reference = reference;
    }

    /** A reader with the runtime's reference configuration from the class path. */
    public static GatewayConfigReader withRuntimeReference() {
        Config reference = ConfigFactory.parseResources(GatewayConfigReader.class.getClassLoader(), "reference.conf");
        if (!reference.hasPath("gateway")) {
            throw new IllegalStateException("the runtime's reference.conf is missing from the class path");
        }
        return new GatewayConfigReader(reference.resolve());
    }

    /** Parses a configuration file; a missing file or a syntax error names the file and line. */
    public static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException("gateway", file.toString(), "configuration file not found");
        }
        try {
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        catch (ConfigException e) {
            throw new InvalidConfigException("gateway", HoconConfig.originOf(e.origin()), stripOrigin(e));
        }
    }

    /** Parses configuration text (tests, embedding). */
    public static Config parseString(String text) {
        try {
            return ConfigFactory.parseString(text);
        }
        catch (ConfigException e) {
            throw new InvalidConfigException("gateway", HoconConfig.originOf(e.origin()), stripOrigin(e));
        }
    }

    /**
     * Reads a parsed, unresolved user configuration.
     *
     * @param home the directory relative paths are resolved against
     */
    public GatewayConfig read(Config user, Path home) {
        Config merged;
        try {
            merged = user.withFallback(reference).resolve();
        }
        catch (ConfigException e) {
            throw new InvalidConfigException("gateway", HoconConfig.originOf(e.origin()), stripOrigin(e));
        }
        for (String root : user.root().keySet()) {
            if (!root.equals("gateway")) {
                throw new InvalidConfigException(root, HoconConfig.originOf(user.root().get(root).origin()),
                        "unknown top-level setting" + ConfigKeys.suggestion(root, Set.of("gateway")));
            }
        }
        HoconConfig gateway = new HoconConfig(merged.getConfig("gateway"), "gateway");
        ConfigKeys.checkKnown(gateway, reference.getConfig("gateway").root(),
                Set.of("plugins", "events", "services", "routes", "discovery", "filters", "global-filters"));

        Path absoluteHome = home.toAbsolutePath().normalize();
        Map<String, GatewayConfig.Service> services = readServices(gateway.getConfig("services"), gateway.getConfig("service-defaults"),
                reference.getConfig("gateway.service-defaults").root(), absoluteHome);
        Map<String, GatewayConfig.FilterDefinition> filters = readFilterDefinitions(gateway.getConfig("filters"));
        HoconConfig reload = gateway.getConfig("reload");
        return new GatewayConfig(
                absoluteHome,
                readServer(gateway.getConfig("server"), absoluteHome),
                readSystem(gateway.getConfig("system")),
                readLogging(gateway.getConfig("logging")),
                readPlugins(gateway.getConfig("plugins"), absoluteHome),
                absoluteHome.resolve(gateway.getString("data-directory")).normalize(),
                readEvents(gateway.getConfig("events")),
                readRedis(gateway.getConfig("redis"), gateway.getConfig("redis-defaults"),
                        reference.getConfig("gateway.redis-defaults").root(), absoluteHome),
                readDiscovery(gateway.getConfig("discovery")),
                services,
                filters,
                readFilterUses(gateway, "global-filters", filters),
                readRoutes(gateway, services, filters),
                new GatewayConfig.Reload(reload.getBoolean("watch"), reload.positiveDuration("drain-timeout")));
    }

    private static GatewayConfig.Server readServer(HoconConfig server, Path home) {
        HoconConfig http = server.getConfig("http");
        HoconConfig https = server.getConfig("https");
        HoconConfig keyStore = https.getConfig("key-store");
        HoconConfig limits = server.getConfig("limits");
        HoconConfig http2 = limits.getConfig("http2");
        HoconConfig security = server.getConfig("security");
        HoconConfig threads = server.getConfig("threads");

        String keyStorePath = keyStore.getString("path");
        String keyStoreType = keyStore.getString("type").toUpperCase(Locale.ROOT);
        if (!keyStoreType.equals("PKCS12") && !keyStoreType.equals("JKS")) {
            throw keyStore.error("type", "must be PKCS12 or JKS");
        }
        List<String> protocols = https.getStringList("protocols");
        for (String protocol : protocols) {
            if (!protocol.equals("TLSv1.3") && !protocol.equals("TLSv1.2")) {
                throw https.error("protocols", "only TLSv1.3 and TLSv1.2 are allowed, got " + protocol);
            }
        }
        String requestIdHeader = server.getString("request-id-header");
        if (!HEADER_NAME.matcher(requestIdHeader).matches()) {
            throw server.error("request-id-header", "must be a header name of letters, digits and dashes");
        }
        GatewayConfig.Limits readLimits = new GatewayConfig.Limits(
                limits.intBytesInRange("max-request-header-size", 1024, 1 << 20),
                limits.intBytesInRange("max-response-header-size", 1024, 1 << 20),
                limits.intBytesInRange("max-uri-length", 64, 1 << 20),
                limits.positiveBytes("max-request-body-size"),
                limits.positiveBytes("max-buffered-body-size"),
                limits.positiveDuration("header-read-timeout"),
                limits.positiveDuration("idle-timeout"),
                limits.nonNegativeDuration("lingering-time"),
                limits.intInRange("max-connections", 0, 10_000_000),
                limits.positiveDuration("tls-handshake-timeout"),
                limits.nonNegativeLong("min-request-data-rate"),
                limits.nonNegativeLong("min-response-data-rate"),
                http2.intInRange("max-concurrent-streams", 1, 65_535),
                http2.intInRange("max-resets-per-second", 1, 1_000_000),
                http2.intBytesInRange("initial-stream-window", 65_535, Integer.MAX_VALUE),
                http2.intBytesInRange("initial-session-window", 65_535, Integer.MAX_VALUE),
                http2.nonNegativeDuration("idle-timeout"));
        if (readLimits.http2InitialStreamWindow() > readLimits.http2InitialSessionWindow()) {
            throw http2.error("initial-stream-window", "may not exceed initial-session-window ("
                    + readLimits.http2InitialSessionWindow() + " bytes), the most one connection may make the gateway buffer");
        }
        GatewayConfig.Server result = new GatewayConfig.Server(
                server.getString("host"),
                new GatewayConfig.HttpListener(http.getBoolean("enabled"), port(http), http.getBoolean("h2c"),
                        http.getBoolean("h2c-upgrade"), http.intInRange("selectors", 0, 256)),
                new GatewayConfig.HttpsListener(
                        https.getBoolean("enabled"),
                        port(https),
                        https.getBoolean("http2-only"),
                        new GatewayConfig.KeyStore(
                                keyStorePath.isEmpty() ? Optional.empty() : Optional.of(home.resolve(keyStorePath).normalize()),
                                keyStore.getString("password"),
                                keyStoreType,
                                keyStore.getString("key-password"),
                                home.resolve(keyStore.getConfig("self-signed").getString("directory")).normalize(),
                                keyStore.getConfig("self-signed").getStringList("subject-alternative-names")),
                        protocols,
                        https.intInRange("selectors", 0, 256)),
                readLimits,
                new GatewayConfig.Security(
                        security.getBoolean("reject-ambiguous-paths"),
                        security.getBoolean("merge-slashes"),
                        security.getBoolean("reject-underscores-in-header-names")),
                readForwarding(server),
                requestIdHeader,
                server.nonNegativeDuration("shutdown-grace-period"),
                threads.intInRange("max", 0, 10_000),
                threads.intInRange("min", 0, 10_000),
                threads.intInRange("reserved", -1, 10_000),
                server.getConfig("shutdown").nonNegativeDuration("drain-delay"),
                readManagement(server.getConfig("management")));
        if (!result.http().enabled() && !result.https().enabled()) {
            throw server.error("http.enabled", "at least one of http and https must be enabled");
        }
        return result;
    }

    private static GatewayConfig.Management readManagement(HoconConfig management) {
        String address = management.getString("address");
        if (address.isBlank()) {
            throw management.error("address", "must name the address to listen on, e.g. 127.0.0.1");
        }
        return new GatewayConfig.Management(management.getBoolean("enabled"), address, port(management));
    }

    private static GatewayConfig.Forwarding readForwarding(HoconConfig server) {
        TrustedProxies trustedProxies;
        try {
            trustedProxies = TrustedProxies.of(server.getStringList("trusted-proxies"));
        }
        catch (IllegalArgumentException e) {
            throw server.error("trusted-proxies", e.getMessage());
        }
        String clientAddressHeader = server.getString("client-address-header");
        if (!HEADER_NAME.matcher(clientAddressHeader).matches()) {
            throw server.error("client-address-header", "must be a header name of letters, digits and dashes, e.g. "
                    + "X-Forwarded-For or Forwarded; got '" + clientAddressHeader + "'");
        }
        List<String> identityHeaders = server.getStringList("identity-headers");
        for (String name : identityHeaders) {
            if (!HEADER_NAME.matcher(name).matches()) {
                throw server.error("identity-headers", "'" + name + "' is not a header name of letters, digits and dashes");
            }
            if (name.equalsIgnoreCase(clientAddressHeader)) {
                throw server.error("identity-headers", "'" + name + "' is the client-address-header, which trusted proxies must be able to send");
            }
        }
        return new GatewayConfig.Forwarding(trustedProxies, clientAddressHeader, identityHeaders);
    }

    private static GatewayConfig.SystemEndpoints readSystem(HoconConfig system) {
        return new GatewayConfig.SystemEndpoints(
                system.getBoolean("enabled"),
                absolutePath(system, "health-path"),
                absolutePath(system, "metrics-path"),
                system.getBoolean("global-filters"),
                system.getBoolean("public.health-details"),
                system.getBoolean("public.metrics"));
    }

    private static GatewayConfig.Logging readLogging(HoconConfig logging) {
        String format = logging.getString("format").toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw logging.error("format", "must be text or json");
        }
        String level = level(logging, "level", logging.getString("level"));
        Map<String, String> levels = new LinkedHashMap<>();
        logging.getStringMap("levels").forEach((logger, value) ->
                levels.put(logger, level(logging, "levels." + logger, value)));
        return new GatewayConfig.Logging(format, level, levels);
    }

    private static String level(HoconConfig block, String key, String value) {
        String upper = value.toUpperCase(Locale.ROOT);
        if (!Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(upper)) {
            throw block.error(key, "must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        }
        return upper;
    }

    private static GatewayConfig.Plugins readPlugins(HoconConfig plugins, Path home) {
        Map<String, GatewayConfig.PluginSettings> settings = new LinkedHashMap<>();
        for (String key : plugins.keys()) {
            if (key.equals("directory")) {
                continue;
            }
            if (plugins.typeOf(key) != ConfigValueType.OBJECT) {
                throw plugins.error(key, "must be the settings block of plugin '" + key
                        + "' (plugin settings are gateway.plugins.<plugin-id> { … })" + ConfigKeys.suggestion(key, Set.of("directory")));
            }
            HoconConfig block = plugins.getConfig(key);
            boolean enabled = !block.has("enabled") || block.getBoolean("enabled");
            boolean required = block.has("required") && block.getBoolean("required");
            boolean optional = block.has("optional") && block.getBoolean("optional");
            if (required && optional) {
                throw block.error("optional", "a plugin is either required (its failure stops start-up) or optional (its failure leaves the gateway ready), not both");
            }
            Config own = block.config().withoutPath("enabled").withoutPath("required").withoutPath("optional");
            settings.put(key, new GatewayConfig.PluginSettings(key, enabled, required, optional, new HoconConfig(own, block.path(), key)));
        }
        return new GatewayConfig.Plugins(home.resolve(plugins.getString("directory")).normalize(), settings);
    }

    private static GatewayConfig.Events readEvents(HoconConfig events) {
        String bridge = events.getString("bridge");
        for (String key : events.keys()) {
            if (!key.equals("bridge") && events.typeOf(key) != ConfigValueType.OBJECT) {
                throw events.error(key, "unknown setting" + ConfigKeys.suggestion(key, Set.of("bridge")));
            }
        }
        HoconConfig local = events.getConfig("local");
        ConfigKeys.checkKnown(local, ConfigFactory.parseString("history = [], max-history-channels = 0").root(), Set.of());
        List<HistoryRule> history = HistoryRule.readAll(local, "history");
        int maxHistoryChannels = local.intInRange("max-history-channels", 1, 10_000_000);
        if (bridge.equals("local")) {
            return new GatewayConfig.Events(bridge, local, history, maxHistoryChannels);
        }
        HoconConfig block = events.has(bridge) ? events.getConfig(bridge) : HoconConfig.empty(events.pathOf(bridge), bridge);
        return new GatewayConfig.Events(bridge, block, history, maxHistoryChannels);
    }

    /** {@code gateway.redis}: each entry over {@code gateway.redis-defaults}, checked against its schema. */
    private static GatewayConfig.RedisConnections readRedis(HoconConfig redis, HoconConfig defaults, ConfigObject schema, Path home) {
        Map<String, RedisSettings> connections = new LinkedHashMap<>();
        for (String name : redis.keys()) {
            if (!NAME.matcher(name).matches()) {
                throw redis.error(name, "Redis connection names are lower-case letters, digits, '.', '_' and '-'");
            }
            if (redis.typeOf(name) != ConfigValueType.OBJECT) {
                throw redis.error(name, "must be a block { address = \"redis://…\", … } of the connection's settings");
            }
            HoconConfig entry = redis.getConfig(name);
            ConfigKeys.checkKnown(entry, schema, Set.of());
            connections.put(name, RedisSettingsReader.read(name, entry, defaults.config(), home));
        }
        return new GatewayConfig.RedisConnections(connections);
    }

    private static Map<String, HoconConfig> readDiscovery(HoconConfig discovery) {
        Map<String, HoconConfig> sources = new LinkedHashMap<>();
        for (String name : discovery.keys()) {
            if (discovery.typeOf(name) != ConfigValueType.OBJECT) {
                throw discovery.error(name, "must be a block { … } of the discovery source's settings");
            }
            sources.put(name, discovery.getConfig(name));
        }
        return sources;
    }

    private static Map<String, GatewayConfig.Service> readServices(HoconConfig services, HoconConfig defaults, ConfigObject schema,
                                                                   Path home) {
        Map<String, GatewayConfig.Service> result = new LinkedHashMap<>();
        for (String name : services.keys()) {
            if (!NAME.matcher(name).matches()) {
                throw services.error(name, "service names are lower-case letters, digits, '.', '_' and '-'");
            }
            if (services.typeOf(name) != ConfigValueType.OBJECT) {
                throw services.error(name, "must be a block { backend = …, instances = [ … ] }");
            }
            HoconConfig service = services.getConfig(name);
            String backend = service.getString("backend");
            List<ServiceInstance> instances = service.has("instances") ? readInstances(service) : List.of();
            Optional<String> discovery = service.findString("discovery");
            if (discovery.isPresent() && !instances.isEmpty()) {
                throw service.error("discovery", "a service takes either static instances or a discovery source, not both");
            }
            if (discovery.isEmpty() && instances.isEmpty()) {
                throw service.error("instances", "missing: list at least one instance, e.g. [\"http://127.0.0.1:9000\"], or set discovery");
            }
            Config backendOwn = service.config();
            Config upstreamOwn = service.config();
            for (String key : service.keys()) {
                if (RUNTIME_SERVICE_KEYS.contains(key)) {
                    backendOwn = backendOwn.withoutPath(key);
                }
                if (!UpstreamSettings.KEYS.contains(key)) {
                    upstreamOwn = upstreamOwn.withoutPath(key);
                }
            }
            HoconConfig upstreamBlock = new HoconConfig(upstreamOwn, service.path(), name);
            ConfigKeys.checkKnown(upstreamBlock, schema, Set.of());
            UpstreamSettings upstream = UpstreamSettings.read(upstreamBlock.withFallback(defaults.config()), home);
            result.put(name, new GatewayConfig.Service(name, backend, instances, discovery, upstream, service,
                    new HoconConfig(backendOwn, service.path(), name)));
        }
        return result;
    }

    private static List<ServiceInstance> readInstances(HoconConfig service) {
        List<ServiceInstance> instances = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        List<? extends ConfigValue> values = service.getList("instances");
        for (int i = 0; i < values.size(); i++) {
            String itemPath = service.pathOf("instances") + "[" + i + "]";
            ConfigValue value = values.get(i);
            ServiceInstance instance;
            if (value.valueType() == ConfigValueType.STRING) {
                instance = ServiceInstance.of(instanceUri(itemPath, value, (String) value.unwrapped()));
            }
            else if (value.valueType() == ConfigValueType.OBJECT) {
                HoconConfig block = new HoconConfig(((ConfigObject) value).toConfig(), itemPath);
                ConfigKeys.checkKnown(block, ConfigFactory.parseString("url = null, weight = 1, metadata {}, id = null").root(), Set.of());
                URI uri = instanceUri(block.pathOf("url"), block.valueOrNull("url"), block.getString("url"));
                int weight = block.has("weight") ? block.intInRange("weight", 1, 1000) : 1;
                Map<String, String> metadata = block.has("metadata") ? block.getStringMap("metadata") : Map.of();
                String id = block.has("id") ? block.getString("id") : uri.getAuthority();
                instance = new ServiceInstance(id, uri, weight, metadata);
            }
            else {
                throw new InvalidConfigException(itemPath, HoconConfig.originOf(value.origin()),
                        "must be a URL string or a block { url = …, weight = …, metadata { … } }");
            }
            if (!ids.add(instance.id())) {
                throw new InvalidConfigException(itemPath, HoconConfig.originOf(value.origin()), "duplicate instance " + instance.id());
            }
            instances.add(instance);
        }
        return instances;
    }

    /** An instance URL whose scheme is one of {@link InstanceAddress.Scheme}'s, with a host and no path. */
    private static URI instanceUri(String path, ConfigValue value, String text) {
        String origin = value == null ? "" : HoconConfig.originOf(value.origin());
        try {
            URI uri = new URI(text);
            try {
                InstanceAddress.Scheme.parse(uri.getScheme());
            }
            catch (IllegalArgumentException e) {
                throw new InvalidConfigException(path, origin, "must start with " + INSTANCE_SCHEMES + ": " + text);
            }
            if (uri.getHost() == null) {
                throw new InvalidConfigException(path, origin, "has no host: " + text);
            }
            try {
                InstanceAddress.of(uri);
            }
            catch (IllegalArgumentException e) {
                throw new InvalidConfigException(path, origin, e.getMessage());
            }
            if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
                throw new InvalidConfigException(path, origin, "must not have a path (rewrite paths per route): " + text);
            }
            return uri;
        }
        catch (URISyntaxException e) {
            throw new InvalidConfigException(path, origin, "is not a valid URL: " + e.getMessage());
        }
    }

    /** {@code gateway.filters}: named filter instances, each a block with a {@code type}. */
    private static Map<String, GatewayConfig.FilterDefinition> readFilterDefinitions(HoconConfig filters) {
        Map<String, GatewayConfig.FilterDefinition> definitions = new LinkedHashMap<>();
        for (String name : filters.keys()) {
            if (!NAME.matcher(name).matches()) {
                throw filters.error(name, "filter instance names are lower-case letters, digits, '.', '_' and '-'");
            }
            if (filters.typeOf(name) != ConfigValueType.OBJECT) {
                throw filters.error(name, "must be a block { type = <filter>, …settings… }");
            }
            HoconConfig block = filters.getConfig(name);
            if (!block.has("type")) {
                throw block.error("type", "missing: say which filter this instance is, e.g. type = cors");
            }
            String type = block.getString("type");
            checkName(block.pathOf("type"), HoconConfig.originOf(block.valueOrNull("type").origin()), type);
            definitions.put(name, new GatewayConfig.FilterDefinition(name, type,
                    new HoconConfig(block.config().withoutPath("type"), block.path(), type)));
        }
        return definitions;
    }

    /**
     * A {@code filters} list: each entry a named instance ({@code "api-jwt"}), a filter type for its
     * defaults ({@code "cors"}, when no instance has that name), or a block with a {@code type} and
     * settings of its own. The 1.1 form {@code { name = <type>, … }} is still read as a type.
     */
    private static List<GatewayConfig.FilterUse> readFilterUses(HoconConfig block, String key,
                                                                Map<String, GatewayConfig.FilterDefinition> named) {
        List<GatewayConfig.FilterUse> uses = new ArrayList<>();
        List<? extends ConfigValue> values = block.getList(key);
        for (int i = 0; i < values.size(); i++) {
            String path = block.pathOf(key) + "[" + i + "]";
            ConfigValue value = values.get(i);
            String origin = HoconConfig.originOf(value.origin());
            if (value.valueType() == ConfigValueType.STRING) {
                String name = (String) value.unwrapped();
                checkName(path, origin, name);
                uses.add(named.containsKey(name)
                        ? new GatewayConfig.NamedFilter(name, path)
                        : new GatewayConfig.InlineFilter(name, new HoconConfig(ConfigFactory.empty(value.origin().description()), path, name), path));
                continue;
            }
            if (value.valueType() != ConfigValueType.OBJECT) {
                throw new InvalidConfigException(path, origin,
                        "must be a filter instance's name, a filter type, or a block { type = …, …settings… }");
            }
            Config config = ((ConfigObject) value).toConfig();
            HoconConfig entry = new HoconConfig(config, path);
            boolean hasType = entry.hasKeyOrNull("type");
            boolean hasName = entry.hasKeyOrNull("name");
            if (hasType && hasName) {
                throw entry.error("name", "give either type (a filter type with its settings here) or name, not both");
            }
            if (!hasType && !hasName) {
                throw entry.error("type", "missing: say which filter this is, e.g. { type = cors, … }");
            }
            String field = hasType ? "type" : "name";
            String type = entry.getString(field);
            checkName(entry.pathOf(field), origin, type);
            if (!hasType && named.containsKey(type)) {
                if (config.root().size() > 1) {
                    throw entry.error("name", "'" + type + "' is a named filter instance: its settings belong in gateway.filters."
                            + type + ", or use { type = " + named.get(type).type() + ", … } for a filter of its own");
                }
                uses.add(new GatewayConfig.NamedFilter(type, path));
                continue;
            }
            uses.add(new GatewayConfig.InlineFilter(type, new HoconConfig(config.withoutPath(field), path, type), path));
        }
        return uses;
    }

    private static List<GatewayConfig.Route> readRoutes(HoconConfig gateway, Map<String, GatewayConfig.Service> services,
                                                        Map<String, GatewayConfig.FilterDefinition> namedFilters) {
        List<GatewayConfig.Route> routes = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        HoconConfig limits = gateway.getConfig("server").getConfig("limits");
        long defaultMaxRequestBodySize = limits.getBytes("max-request-body-size");
        long defaultMaxBufferedBodySize = limits.getBytes("max-buffered-body-size");
        long defaultMinRequestDataRate = limits.getLong("min-request-data-rate");
        long defaultMinResponseDataRate = limits.getLong("min-response-data-rate");
        for (HoconConfig written : gateway.getBlockList("routes")) {
            ConfigKeys.checkKnown(written, ROUTE_TEMPLATE.root(), Set.of());
            HoconConfig route = written.withFallback(ROUTE_DEFAULTS);
            String index = route.path().substring(route.path().lastIndexOf('[') + 1, route.path().length() - 1);
            String id = route.has("id") ? route.getString("id") : index;
            if (!ids.add(id)) {
                throw route.error("id", "duplicate route id '" + id + "'");
            }
            String path = route.getString("path");
            if (!path.startsWith("/")) {
                throw route.error("path", "must start with /");
            }
            Set<String> methods = new LinkedHashSet<>();
            for (String method : route.getStringList("methods")) {
                String upper = method.toUpperCase(Locale.ROOT);
                if (!HTTP_METHODS.contains(upper)) {
                    throw route.error("methods", "unknown HTTP method " + method);
                }
                methods.add(upper);
            }
            List<String> hosts = route.getStringList("hosts").stream().map(host -> host.toLowerCase(Locale.ROOT)).toList();
            GatewayConfig.Target target = readTarget(route, services);
            List<GatewayConfig.FilterUse> filters = readFilterUses(route, "filters", namedFilters);
            routes.add(new GatewayConfig.Route(
                    id, route, path, methods, hosts, route.getStringMap("headers"), target, filters,
                    route.has("max-request-body-size") ? route.positiveBytes("max-request-body-size") : defaultMaxRequestBodySize,
                    route.has("max-buffered-body-size") ? route.positiveBytes("max-buffered-body-size") : defaultMaxBufferedBodySize,
                    route.has("min-request-data-rate") ? route.nonNegativeLong("min-request-data-rate") : defaultMinRequestDataRate,
                    route.has("min-response-data-rate") ? route.nonNegativeLong("min-response-data-rate") : defaultMinResponseDataRate));
        }
        return routes;
    }

    private static GatewayConfig.Target readTarget(HoconConfig route, Map<String, GatewayConfig.Service> services) {
        boolean hasService = route.hasKeyOrNull("service");
        boolean hasEndpoint = route.hasKeyOrNull("endpoint");
        if (hasService == hasEndpoint) {
            throw route.error(hasService ? "endpoint" : "service",
                    "a route names exactly one of service (a backend service) or endpoint (a plugin endpoint)");
        }
        if (hasService) {
            GatewayConfig.Component service = readComponent(route, "service", route.valueOrNull("service"), route.pathOf("service"));
            if (!services.containsKey(service.name())) {
                throw route.error("service", "unknown service '" + service.name() + "'"
                        + ConfigKeys.suggestion(service.name(), services.keySet()));
            }
            return new GatewayConfig.ServiceTarget(service.name(), service.config());
        }
        GatewayConfig.Component endpoint = readComponent(route, "endpoint", route.valueOrNull("endpoint"), route.pathOf("endpoint"));
        return new GatewayConfig.EndpointTarget(endpoint.name(), endpoint.config());
    }

    /** A component reference: a bare name, or a block with {@code name} and the component's settings. */
    private static GatewayConfig.Component readComponent(HoconConfig parent, String key, ConfigValue value, String path) {
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            throw parent.error(key, "must name a " + key + " or be a block { name = …, … }");
        }
        String origin = HoconConfig.originOf(value.origin());
        if (value.valueType() == ConfigValueType.STRING) {
            String name = (String) value.unwrapped();
            checkName(path, origin, name);
            return new GatewayConfig.Component(name, new HoconConfig(ConfigFactory.empty(value.origin().description()), path, name));
        }
        if (value.valueType() == ConfigValueType.OBJECT) {
            Config config = ((ConfigObject) value).toConfig();
            HoconConfig block = new HoconConfig(config, path);
            String name = block.getString("name");
            checkName(block.pathOf("name"), origin, name);
            return new GatewayConfig.Component(name, new HoconConfig(config.withoutPath("name"), path, name));
        }
        throw new InvalidConfigException(path, origin, "must be a name or a block { name = …, … }");
    }

    private static void checkName(String path, String origin, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidConfigException(path, origin, "'" + name + "' is not a valid name (lower-case letters, digits, '.', '_', '-')");
        }
    }

    private static int port(HoconConfig listener) {
        return listener.intInRange("port", 0, 65_535);
    }

    private static String absolutePath(HoconConfig block, String key) {
        String value = block.getString(key);
        if (!value.startsWith("/") || value.contains("*") || value.contains("{")) {
            throw block.error(key, "must be a literal absolute path such as /health");
        }
        return value;
    }

    private static String instanceSchemes() {
        List<String> schemes = new ArrayList<>();
        for (InstanceAddress.Scheme scheme : InstanceAddress.Scheme.values()) {
            schemes.add(scheme.text() + "://");
        }
        return String.join(", ", schemes.subList(0, schemes.size() - 1)) + " or " + schemes.get(schemes.size() - 1);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> result = new LinkedHashSet<>(a);
        result.addAll(b);
        return Set.copyOf(result);
    }

    /** Typesafe's message without its origin prefix; ours print the origin separately. */
    private static String stripOrigin(ConfigException e) {
        String message = e.getMessage();
        String prefix = e.origin() == null ? null : e.origin().description() + ": ";
        return prefix != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
