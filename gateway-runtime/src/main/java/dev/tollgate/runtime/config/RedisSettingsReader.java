package dev.tollgate.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.redis.RedisSettings;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads and validates one entry of {@code gateway.redis} into {@link RedisSettings}: every rule
 * of a mode, every address, every duration, and the TLS stores (loaded, so that a wrong path,
 * type or password stops start-up rather than the first connection). Errors name the key and the
 * file and line it was written at.
 */
final class RedisSettingsReader {
    private static final Duration LONGEST = Duration.ofHours(1);

    private RedisSettingsReader() {
    }

    /**
     * @param written the entry as the user wrote it, {@code gateway.redis.<name>}
     * @param defaults {@code gateway.redis-defaults}
     * @param home what relative store paths are resolved against
     */
    static RedisSettings read(String name, HoconConfig written, Config defaults, Path home) {
        HoconConfig entry = written.withFallback(defaults);
        String modeText = entry.getString("mode");
        RedisSettings.Mode mode = switch (modeText.toLowerCase(Locale.ROOT)) {
            case "single" -> RedisSettings.Mode.SINGLE;
            case "sentinel" -> RedisSettings.Mode.SENTINEL;
            case "cluster" -> RedisSettings.Mode.CLUSTER;
            default -> throw entry.error("mode", "must be single, sentinel or cluster, not '" + modeText + "'");
        };
        RedisSettings.Builder settings = RedisSettings.builder(name).mode(mode);
        List<String> addresses;
        if (mode == RedisSettings.Mode.SINGLE) {
            if (!entry.getStringList("addresses").isEmpty()) {
                throw entry.error("addresses", "is for sentinel and cluster modes; in single mode set address");
            }
            String address = entry.getString("address");
            checkAddress(entry.pathOf("address"), origin(entry, "address"), address);
            settings.address(address);
            addresses = List.of(address);
        }
        else {
            String nodes = mode == RedisSettings.Mode.SENTINEL ? "Sentinels" : "cluster nodes";
            if (written.has("address")) {
                throw written.error("address", "is for single mode; in " + modeText + " mode list the " + nodes + " in addresses");
            }
            addresses = readAddresses(entry);
            if (addresses.isEmpty()) {
                throw written.error("addresses", "missing: list at least one of the " + nodes + ", e.g. [\"redis://10.0.0.1:"
                        + (mode == RedisSettings.Mode.SENTINEL ? "26379" : "6379") + "\"]");
            }
            settings.addresses(addresses);
        }

        String masterName = entry.getString("master-name").strip();
        if (mode == RedisSettings.Mode.SENTINEL && masterName.isEmpty()) {
            throw written.error("master-name", "missing: the name of the master the Sentinels monitor, e.g. \"mymaster\"");
        }
        for (String key : List.of("master-name", "sentinel-username", "sentinel-password")) {
            if (mode != RedisSettings.Mode.SENTINEL && !entry.getString(key).isEmpty()) {
                throw entry.error(key, "is used only in sentinel mode");
            }
        }
        settings.masterName(masterName)
                .username(credential(entry, "username", "password"))
                .password(entry.getString("password"))
                .sentinelUsername(credential(entry, "sentinel-username", "sentinel-password"))
                .sentinelPassword(entry.getString("sentinel-password"));

        int database = entry.getInt("database");
        if (database < 0) {
            throw entry.error("database", "must be 0 or more, not " + database);
        }
        if (mode == RedisSettings.Mode.CLUSTER && database != 0) {
            throw entry.error("database", "must be 0 in cluster mode: a Redis cluster has only database 0");
        }
        Duration minDelay = duration(entry, "reconnect.min-delay", Duration.ofMillis(1));
        Duration maxDelay = duration(entry, "reconnect.max-delay", Duration.ofMillis(1));
        if (maxDelay.compareTo(minDelay) < 0) {
            throw entry.error("reconnect.max-delay", "must not be less than reconnect.min-delay (" + minDelay.toMillis() + "ms)");
        }
        settings.database(database)
                .connectTimeout(duration(entry, "connect-timeout", Duration.ofMillis(1)))
                .timeout(duration(entry, "timeout", Duration.ofMillis(1)))
                .reconnect(minDelay, maxDelay)
                .pingInterval(duration(entry, "ping-interval", Duration.ZERO));

        if (written.has("tls") && addresses.stream().noneMatch(address -> address.startsWith("rediss://"))) {
            throw written.error("tls", "applies to rediss:// addresses, and this connection has none (rediss://host:port connects with TLS)");
        }
        settings.tls(new RedisSettings.Tls(
                store(entry, "tls.trust-store", home, false),
                store(entry, "tls.key-store", home, true),
                entry.getBoolean("tls.hostname-verification")));
        return settings.build();
    }

    private static List<String> readAddresses(HoconConfig entry) {
        ConfigList list = entry.getList("addresses");
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue value = list.get(i);
            String path = entry.pathOf("addresses") + "[" + i + "]";
            String origin = HoconConfig.originOf(value.origin());
            if (value.valueType() != ConfigValueType.STRING) {
                throw new InvalidConfigException(path, origin, "must be an address string such as \"redis://10.0.0.1:6379\"");
            }
            String address = (String) value.unwrapped();
            checkAddress(path, origin, address);
            addresses.add(address);
        }
        return addresses;
    }

    /**
     * A {@code redis://host:port} or {@code rediss://host:port} URL, nothing more. An address
     * carrying credentials is refused without being repeated (it holds a password).
     */
    private static void checkAddress(String path, String origin, String address) {
        if (address.contains("@")) {
            throw new InvalidConfigException(path, origin, "must not carry credentials: put them in username and password");
        }
        if (!address.startsWith("redis://") && !address.startsWith("rediss://")) {
            throw new InvalidConfigException(path, origin, "'" + address + "' must start with redis:// (or rediss:// for TLS)");
        }
        URI uri;
        try {
            uri = new URI(address);
        }
        catch (URISyntaxException e) {
            throw new InvalidConfigException(path, origin, "'" + address + "' is not a Redis address: " + e.getReason());
        }
        if (uri.getHost() == null || uri.getPort() < 1) {
            throw new InvalidConfigException(path, origin, "'" + address + "' needs a host and a port, e.g. redis://127.0.0.1:6379");
        }
        String rawPath = uri.getRawPath();
        if ((rawPath != null && !rawPath.isEmpty() && !"/".equals(rawPath)) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new InvalidConfigException(path, origin, "'" + address + "' must be only redis://host:port; set the database with database");
        }
    }

    /** A user name, which Redis authenticates only with a password. */
    private static String credential(HoconConfig entry, String userKey, String passwordKey) {
        String user = entry.getString(userKey);
        if (!user.isEmpty() && entry.getString(passwordKey).isEmpty()) {
            throw entry.error(userKey, "needs a password (" + passwordKey + "): Redis authenticates a user with both");
        }
        return user;
    }

    private static Duration duration(HoconConfig entry, String key, Duration shortest) {
        Duration value = entry.getDuration(key);
        if (value.compareTo(shortest) < 0 || value.compareTo(LONGEST) > 0) {
            throw entry.error(key, "must be between " + (shortest.isZero() ? "0s" : shortest.toMillis() + "ms") + " and 1h, not "
                    + value.toMillis() + "ms");
        }
        return value;
    }

    /** A store whose path is set: readable, of a known type, loading with its password. */
    private static Optional<RedisSettings.Store> store(HoconConfig entry, String key, Path home, boolean needsKey) {
        String pathText = entry.getString(key + ".path");
        if (pathText.isEmpty()) {
            return Optional.empty();
        }
        String type = entry.getString(key + ".type");
        KeyStore keyStore;
        try {
            keyStore = KeyStore.getInstance(type);
        }
        catch (KeyStoreException e) {
            throw entry.error(key + ".type", "unknown key store type '" + type + "' (PKCS12 or JKS)");
        }
        Path path = home.resolve(pathText).normalize();
        if (!Files.isReadable(path)) {
            throw entry.error(key + ".path", "cannot read " + path);
        }
        String password = entry.getString(key + ".password");
        try (InputStream in = Files.newInputStream(path)) {
            keyStore.load(in, password.isEmpty() ? null : password.toCharArray());
            List<String> aliases = Collections.list(keyStore.aliases());
            if (needsKey && !anyKey(keyStore, aliases)) {
                throw entry.error(key + ".path", path + " holds no private key: a client certificate needs its key");
            }
            if (!needsKey && !anyCertificate(keyStore, aliases)) {
                throw entry.error(key + ".path", path + " holds no certificate to trust");
            }
        }
        catch (IOException | GeneralSecurityException e) {
            throw entry.error(key + ".path", "cannot load " + path + " as " + type + ": " + e.getMessage());
        }
        return Optional.of(new RedisSettings.Store(path, password.isEmpty() ? Optional.empty() : Optional.of(password), type));
    }

    private static boolean anyKey(KeyStore keyStore, List<String> aliases) throws KeyStoreException {
        for (String alias : aliases) {
            if (keyStore.isKeyEntry(alias)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyCertificate(KeyStore keyStore, List<String> aliases) throws KeyStoreException {
        for (String alias : aliases) {
            if (keyStore.getCertificate(alias) != null) {
                return true;
            }
        }
        return false;
    }

    private static String origin(HoconConfig block, String key) {
        ConfigValue value = block.valueOrNull(key);
        return value == null ? HoconConfig.originOf(block.config().origin()) : HoconConfig.originOf(value.origin());
    }
}
