package dev.tollgate.api.redis;

import java.nio.file.Path;
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
 * <p>Only what concerns the connection to Redis is here: where it runs, how to authenticate, TLS,
 * timeouts and reconnection. How a plugin uses it (pool sizes, threads, codecs, client names,
 * key prefixes) is the plugin's own configuration.
 *
 * <p>A value is always consistent with its mode (the constructor checks it, so a value built by a
 * plugin or a test is as sound as one read by the runtime): single mode has an {@code address}
 * and no {@code addresses}; sentinel and cluster modes have {@code addresses} and no
 * {@code address}; only sentinel mode has a master name and Sentinel credentials; a cluster uses
 * database 0; a user comes with a password. The runtime checks the rest (URL syntax, key stores
 * that load, ranges) with errors that name the configuration key.
 *
 * <p>Build values with {@link #builder}: this record may gain components in a minor release, which
 * changes its canonical constructor but not the builder. {@link #toString()} never shows a
 * password.
 *
 * @param name the connection's name under {@code gateway.redis}
 * @param mode one server, a Sentinel-managed master, or a Cluster
 * @param address the server in single mode, {@code redis://host:port} ({@code rediss://} for
 *        TLS); empty in the other modes
 * @param addresses the Sentinels (sentinel mode) or some of the nodes (cluster mode), in the same
 *        form; empty in single mode
 * @param masterName the master's name as the Sentinels know it (sentinel mode); else empty
 * @param username the ACL user (Redis 6+), if any; comes with a password
 * @param password the password, if any; never printed
 * @param sentinelUsername the Sentinels' own ACL user, if they require one (sentinel mode only)
 * @param sentinelPassword the Sentinels' own password, if they require one (sentinel mode only);
 *        never printed
 * @param database the logical database (single and sentinel modes; a cluster has only 0)
 * @param connectTimeout how long establishing a connection (TLS handshake included) may take
 * @param timeout how long Redis may take to answer a command
 * @param reconnect how a lost connection is reconnected
 * @param pingInterval how often each connection is pinged to notice one that died silently (a
 *        peer gone without closing, a firewall that dropped it); zero disables the pings
 * @param tls trust and client certificates for {@code rediss://} addresses
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
        Optional<String> sentinelUsername,
        Optional<String> sentinelPassword,
        int database,
        Duration connectTimeout,
        Duration timeout,
        Reconnect reconnect,
        Duration pingInterval,
        Tls tls) {

    /**
     * @throws IllegalArgumentException when the values do not fit their mode (see above), an
     *         address is not a {@code redis://} or {@code rediss://} URL, or a duration is out
     *         of range
     */
    public RedisSettings {
        requireNonNull(name, "name is null");
        requireNonNull(mode, "mode is null");
        requireNonNull(address, "address is null");
        addresses = List.copyOf(requireNonNull(addresses, "addresses is null"));
        requireNonNull(masterName, "masterName is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(sentinelUsername, "sentinelUsername is null");
        requireNonNull(sentinelPassword, "sentinelPassword is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(reconnect, "reconnect is null");
        requireNonNull(pingInterval, "pingInterval is null");
        requireNonNull(tls, "tls is null");
        check(!name.isBlank(), "name is empty");
        if (mode == Mode.SINGLE) {
            check(!address.isEmpty(), "single mode needs an address");
            check(addresses.isEmpty(), "addresses are for sentinel and cluster modes; single mode has an address");
        }
        else {
            check(address.isEmpty(), "address is for single mode; " + mode + " mode has addresses");
            check(!addresses.isEmpty(), mode + " mode needs at least one address");
        }
        check(mode == Mode.SENTINEL ? !masterName.isEmpty() : masterName.isEmpty(),
                mode == Mode.SENTINEL ? "sentinel mode needs a master name" : "a master name is for sentinel mode only");
        check(mode == Mode.SENTINEL || (sentinelUsername.isEmpty() && sentinelPassword.isEmpty()),
                "Sentinel credentials are for sentinel mode only");
        check(mode != Mode.CLUSTER || database == 0, "a cluster has only database 0");
        check(database >= 0, "database is negative");
        check(username.isEmpty() || password.isPresent(), "a username needs a password");
        check(sentinelUsername.isEmpty() || sentinelPassword.isPresent(), "a Sentinel username needs a Sentinel password");
        for (String each : mode == Mode.SINGLE ? List.of(address) : addresses) {
            check(each.startsWith("redis://") || each.startsWith("rediss://"), "not a redis:// or rediss:// address: " + each);
        }
        check(isPositive(connectTimeout), "connectTimeout must be positive");
        check(isPositive(timeout), "timeout must be positive");
        check(!pingInterval.isNegative(), "pingInterval is negative");
    }

    /**
     * A builder for the connection {@code name}, starting from the defaults of a
     * {@code gateway.redis} entry: single mode at {@code redis://127.0.0.1:6379}, no credentials,
     * database 0, a 10 s connect timeout, a 3 s command timeout, reconnection from 100 ms to 10 s,
     * a ping every 30 s, and TLS with the JDK's trust store and host names verified.
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Where Redis runs. */
    public enum Mode {
        /** One server at {@link #address()}. */
        SINGLE,
        /** The master named {@link #masterName()}, found through the Sentinels at {@link #addresses()}. */
        SENTINEL,
        /** A Redis Cluster, found through the nodes at {@link #addresses()}. */
        CLUSTER
    }

    /**
     * How a lost connection is reconnected: after {@code minDelay}, then after delays doubling up
     * to {@code maxDelay}, with jitter so that gateway instances do not reconnect in step.
     *
     * @param minDelay the first delay
     * @param maxDelay the longest delay; not less than {@code minDelay}
     */
    public record Reconnect(Duration minDelay, Duration maxDelay) {
        public Reconnect {
            requireNonNull(minDelay, "minDelay is null");
            requireNonNull(maxDelay, "maxDelay is null");
            check(isPositive(minDelay), "reconnect minDelay must be positive");
            check(maxDelay.compareTo(minDelay) >= 0, "reconnect maxDelay is less than minDelay");
        }

        @Override
        public String toString() {
            return minDelay + ".." + maxDelay;
        }
    }

    /**
     * TLS for {@code rediss://} addresses (it does not apply to {@code redis://} ones).
     *
     * @param trustStore the certificates to trust (a private CA); empty for the JDK's default
     *        trust store
     * @param keyStore the client certificate and its key, for servers that require one
     *        ({@code tls-auth-clients}); empty for none. The key is read with the store's password.
     * @param hostnameVerification whether the server's certificate must name the host it is reached
     *        at; without it any certificate the trust store vouches for is accepted
     */
    public record Tls(Optional<Store> trustStore, Optional<Store> keyStore, boolean hostnameVerification) {
        /** The JDK's default trust store, no client certificate, host names verified. */
        public static final Tls DEFAULT = new Tls(Optional.empty(), Optional.empty(), true);

        public Tls {
            requireNonNull(trustStore, "trustStore is null");
            requireNonNull(keyStore, "keyStore is null");
        }
    }

    /**
     * A key store or trust store file.
     *
     * @param path the file; the runtime resolves a relative path against the gateway's home and
     *        checks that it loads
     * @param password the store's password, if it has one; never printed
     * @param type the store's type for {@link java.security.KeyStore#getInstance(String)}, e.g.
     *        {@code PKCS12} or {@code JKS}
     */
    public record Store(Path path, Optional<String> password, String type) {
        public Store {
            requireNonNull(path, "path is null");
            requireNonNull(password, "password is null");
            requireNonNull(type, "type is null");
        }

        /** Never shows the password. */
        @Override
        public String toString() {
            return path + " (" + type + (password.isPresent() ? ", password ****" : "") + ")";
        }
    }

    /** Every component but the passwords, which show as {@code ****} when set. */
    @Override
    public String toString() {
        return "RedisSettings[name=" + name + ", mode=" + mode
                + (mode == Mode.SINGLE ? ", address=" + address : ", addresses=" + addresses)
                + (mode == Mode.SENTINEL ? ", masterName=" + masterName : "")
                + ", username=" + username.orElse("") + ", password=" + masked(password)
                + (mode == Mode.SENTINEL
                        ? ", sentinelUsername=" + sentinelUsername.orElse("") + ", sentinelPassword=" + masked(sentinelPassword) : "")
                + ", database=" + database + ", connectTimeout=" + connectTimeout + ", timeout=" + timeout
                + ", reconnect=" + reconnect + ", pingInterval=" + pingInterval + ", tls=" + tls + "]";
    }

    private static String masked(Optional<String> secret) {
        return secret.isPresent() ? "****" : "";
    }

    private static boolean isPositive(Duration duration) {
        return !duration.isNegative() && !duration.isZero();
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Builds {@link RedisSettings}; see {@link RedisSettings#builder} for the defaults. Strings
     * that are optional in the settings (credentials) take {@code ""} for none.
     */
    public static final class Builder {
        private final String name;
        private Mode mode = Mode.SINGLE;
        private String address;
        private List<String> addresses = List.of();
        private String masterName = "";
        private String username = "";
        private String password = "";
        private String sentinelUsername = "";
        private String sentinelPassword = "";
        private int database;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration timeout = Duration.ofSeconds(3);
        private Reconnect reconnect = new Reconnect(Duration.ofMillis(100), Duration.ofSeconds(10));
        private Duration pingInterval = Duration.ofSeconds(30);
        private Tls tls = Tls.DEFAULT;

        private Builder(String name) {
            this.name = requireNonNull(name, "name is null");
        }

        public Builder mode(Mode mode) {
            this.mode = requireNonNull(mode, "mode is null");
            return this;
        }

        /** The server in single mode; {@code redis://127.0.0.1:6379} unless set. */
        public Builder address(String address) {
            this.address = requireNonNull(address, "address is null");
            return this;
        }

        public Builder addresses(List<String> addresses) {
            this.addresses = List.copyOf(requireNonNull(addresses, "addresses is null"));
            return this;
        }

        public Builder masterName(String masterName) {
            this.masterName = requireNonNull(masterName, "masterName is null");
            return this;
        }

        public Builder username(String username) {
            this.username = requireNonNull(username, "username is null");
            return this;
        }

        public Builder password(String password) {
            this.password = requireNonNull(password, "password is null");
            return this;
        }

        public Builder sentinelUsername(String sentinelUsername) {
            this.sentinelUsername = requireNonNull(sentinelUsername, "sentinelUsername is null");
            return this;
        }

        public Builder sentinelPassword(String sentinelPassword) {
            this.sentinelPassword = requireNonNull(sentinelPassword, "sentinelPassword is null");
            return this;
        }

        public Builder database(int database) {
            this.database = database;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = requireNonNull(connectTimeout, "connectTimeout is null");
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = requireNonNull(timeout, "timeout is null");
            return this;
        }

        public Builder reconnect(Duration minDelay, Duration maxDelay) {
            this.reconnect = new Reconnect(minDelay, maxDelay);
            return this;
        }

        public Builder pingInterval(Duration pingInterval) {
            this.pingInterval = requireNonNull(pingInterval, "pingInterval is null");
            return this;
        }

        public Builder tls(Tls tls) {
            this.tls = requireNonNull(tls, "tls is null");
            return this;
        }

        /**
         * @throws IllegalArgumentException when the values do not fit together (see
         *         {@link RedisSettings})
         */
        public RedisSettings build() {
            String effectiveAddress = address != null ? address : mode == Mode.SINGLE ? "redis://127.0.0.1:6379" : "";
            return new RedisSettings(name, mode, effectiveAddress, addresses, masterName,
                    optional(username), optional(password), optional(sentinelUsername), optional(sentinelPassword),
                    database, connectTimeout, timeout, reconnect, pingInterval, tls);
        }

        private static Optional<String> optional(String value) {
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        }
    }
}
