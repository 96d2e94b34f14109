package dev.tollgate.plugin.discoveryredis.internal;

/**
 * The Lua scripts that read and write the registry. Each works on one service's two keys (one
 * hash slot, see {@link RegistryKeys}) atomically, and reads time from Redis ({@code TIME}), so
 * the clocks of gateways and registrants do not matter. Needs Redis 5 or later (scripts that
 * call {@code TIME} before writing).
 */
public final class RegistryScripts {

    /**
     * Reads a service's live instances and removes the expired ones.
     * KEYS: liveness, instances. Returns {@code [id1, json1, id2, json2, …]}, where a json
     * is empty for a live id without a description.
     */
    public static final String READ = """
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local bound = string.format('%.0f', now)
            local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. bound)
            for _, id in ipairs(expired) do
              redis.call('ZREM', KEYS[1], id)
              redis.call('HDEL', KEYS[2], id)
            end
            local result = {}
            for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], bound, '+inf')) do
              result[#result + 1] = id
              result[#result + 1] = redis.call('HGET', KEYS[2], id) or ''
            end
            return result
            """;

    /** Reads Redis' time: the cheapest check that Redis answers. Returns {@code [seconds, microseconds]}. */
    public static final String PING = "return redis.call('TIME')";

    /**
     * Registers or renews an instance: writes its description, moves its expiry to now + ttl,
     * and publishes its id when it is new, came back after expiring, or its description changed.
     * KEYS: liveness, instances. ARGV: changes channel, id, json, ttl in milliseconds.
     * Returns 1 when it published, 0 otherwise.
     */
    public static final String REGISTER = """
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local previous = redis.call('ZSCORE', KEYS[1], ARGV[2])
            local changed = redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[3]
            if changed then
              redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
            end
            redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[4])), ARGV[2])
            if changed or not previous or tonumber(previous) < now then
              redis.call('PUBLISH', ARGV[1], ARGV[2])
              return 1
            end
            return 0
            """;

    /**
     * Removes an instance and publishes its id. KEYS: liveness, instances. ARGV: changes
     * channel, id. Returns 1 when the instance was registered, 0 otherwise.
     */
    public static final String DEREGISTER = """
            local removed = redis.call('ZREM', KEYS[1], ARGV[2])
            redis.call('HDEL', KEYS[2], ARGV[2])
            redis.call('PUBLISH', ARGV[1], ARGV[2])
            return removed
            """;

    private RegistryScripts() {
    }
}
