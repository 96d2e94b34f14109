package dev.tollgate.plugin.discoveryredis;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.UUID;

/**
 * The Redis shared by every helper's tests at 127.0.0.1:6379: tests use keys under a unique
 * prefix of their own and never flush it.
 */
final class SharedRedis {
    static final String ADDRESS = "redis://127.0.0.1:6379";

    private SharedRedis() {
    }

    /** Fails (never skips) with a clear message when Redis is not running. */
    static void requireRunning() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
        }
        catch (IOException e) {
            throw new AssertionError("These tests need a real Redis at 127.0.0.1:6379 (start one with "
                    + "`redis-server --save '' --appendonly no`, or run .ci/run): " + e.getMessage(), e);
        }
    }

    /** A key prefix no other test uses. */
    static String uniquePrefix() {
        return "tollgate-test:discovery:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** A client for the shared Redis (or the one at {@code address}), as a registering service would have. */
    static RedissonClient client(String address) {
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.setNettyThreads(2);
        config.setThreads(2);
        config.useSingleServer().setAddress(address).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2)
                .setSubscriptionConnectionMinimumIdleSize(1).setSubscriptionConnectionPoolSize(1)
                .setRetryAttempts(0).setTimeout(1000).setConnectTimeout(1000);
        config.setLazyInitialization(true);
        return Redisson.create(config);
    }
}
