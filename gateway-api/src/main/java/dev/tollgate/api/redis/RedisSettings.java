package dev.tollgate.api.redis;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One Redis connection as configured under {@code gateway.redis.<name>} and validated by the
 * runtime. Plugins refer to it by name ({@code redis = default}) and build their own client from
 * it in their own class loader; equal settings make equal values, so a plugin may key a shared
 * client on them ({@link dev.tollgate.api.PluginContext#shared}).
 *
 * @param name the connection's name under {@code gateway.redis}
 * @param mode one server, a Sentinel-managed master, or a Cluster
 * @param address the server ({@code redis://host:port}, {@code rediss://} for TLS) in single mode
 * @param addresses the Sentinels (sentinel mode) or seed nodes (cluster mode)
 * @param masterName the master's name as the Sentinels know it (sentinel mode)
 * @param username the ACL user, if any
 * @param password the password, if any; never printed
 * @param database the logical database (single and sentinel modes; a cluster has only 0)
 * @param connectTimeout how long establishing a connection may take
 * @param timeout how long Redis may take to answer a command
 * @since 1.2
 */
public record RedisSettings(
        String name,
        Mode mode,
        String address,
        List<String> addresses,
        String masterName,
        Optional<String> username,
        Optional<String> password,
        int database,
        Duration connectTimeout,
        Duration timeout) {

    public RedisSettings {
        requireNonNull(name, "name is null");
        requireNonNull(mode, "mode is null");
        requireNonNull(address, "address is null");
        addresses = List.copyOf(requireNonNull(addresses, "addresses is null"));
        requireNonNull(masterName, "masterName is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(timeout, "timeout is null");
    }

    /** Where Redis runs. */
    public enum Mode {
        SINGLE, SENTINEL, CLUSTER
    }

    @Override
    public String toString() {
        return "RedisSettings[" + name + ", " + mode + ", " + (mode == Mode.SINGLE ? address : addresses)
                + (password.isPresent() ? ", password ****" : "") + "]";
    }
}
