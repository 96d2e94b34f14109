-- One rate-limit decision, atomically. KEYS[1]: the policy's key (hash-tagged).
-- ARGV: operation, limit, window (µs), burst, the fixed window's index (refund-sw only).
-- Operations: "sw" / "tb" decide (sliding window / token bucket); "refund-sw" / "refund-tb"
-- give back the unit of an admission that a later policy refused.
-- Time is the Redis server's (TIME), never a gateway's. Only an admitted request writes; every
-- write sets a TTL (a refund keeps the key's). Returns, for "tb", {admitted (0|1), remaining,
-- reset or retry (µs)}; for "sw", {admitted, previous, current, elapsed (µs), index}; {} for refunds.
local key = KEYS[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
if ARGV[1] == 'refund-sw' then
  local index = tonumber(ARGV[5])
  local state = redis.call('HMGET', key, 'i', 'p', 'c')
  local seen = tonumber(state[1])
  if seen == index and tonumber(state[3]) > 0 then
    redis.call('HINCRBY', key, 'c', -1)
  elseif seen == index + 1 and tonumber(state[2]) > 0 then
    redis.call('HINCRBY', key, 'p', -1)
  end
  return {}
end
if ARGV[1] == 'refund-tb' then
  local tat = tonumber(redis.call('GET', key))
  if tat then
    redis.call('SET', key, string.format('%.0f', tat - math.ceil(window / limit)), 'KEEPTTL')
  end
  return {}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

if ARGV[1] == 'tb' then
  local burst = tonumber(ARGV[4])
  local interval = math.ceil(window / limit)
  local tolerance = burst * interval
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local next = tat + interval
  local ahead = next - now
  if ahead > tolerance then
    return {0, 0, ahead - tolerance}
  end
  redis.call('SET', key, string.format('%.0f', next), 'PX', math.ceil(ahead / 1000) + 1000)
  local remaining = math.floor((tolerance - ahead) / interval)
  if remaining > 0 then
    return {1, remaining, ahead}
  end
  return {1, 0, ahead - tolerance + interval}
end

local index = math.floor(now / window)
local elapsed = now - index * window
local state = redis.call('HMGET', key, 'i', 'p', 'c')
local seen = tonumber(state[1])
local previous = 0
local current = 0
if seen == index then
  previous = tonumber(state[2]); current = tonumber(state[3])
elseif seen == index - 1 then
  previous = tonumber(state[3])
end
local estimate = previous * ((window - elapsed) / window) + current
if estimate + 1 <= limit then
  current = current + 1
  redis.call('HSET', key, 'i', string.format('%.0f', index), 'p', previous, 'c', current)
  -- Kept while it can still count: to the end of the next window.
  redis.call('PEXPIRE', key, math.ceil((2 * window - elapsed) / 1000) + 1000)
  return {1, previous, current, elapsed, index}
end
return {0, previous, current, elapsed, index}
