-- Publishes an event of a history channel: appends it to the channel's stream and publishes it,
-- with its offset, to the channel's subscribers, in one atomic step.
--
-- KEYS[1]  the channel's stream: <key-prefix>history:<redis channel>
-- ARGV[1]  the Redis channel: <channel-prefix><channel>
-- ARGV[2]  the payload, as it is (JSON text or bytes)
-- ARGV[3]  how many events the stream keeps: the history rule's size
-- ARGV[4]  milliseconds the stream outlives its last event: history-idle-expiry, at least the rule's ttl
--
-- Returns the event's offset (its stream id, <ms>-<seq>). Subscribers receive the message
-- NUL "tollgate:" <offset> NUL <payload>, which the gateway decodes back into the payload and its offset.
-- Needs Redis 7.0 or later.
local fresh = redis.call('EXISTS', KEYS[1]) == 0
local offset = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'payload', ARGV[2])
if fresh then
  -- Offsets of an earlier, expired stream of this channel are unknown here: count everything before
  -- this event as deleted, so that recovering from one of them reports a gap.
  local ms = tonumber(string.match(offset, '^(%d+)-'))
  redis.call('XSETID', KEYS[1], offset, 'MAXDELETEDID', string.format('%.0f', ms - 1) .. '-0')
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[1], '\0tollgate:' .. offset .. '\0' .. ARGV[2])
return offset
