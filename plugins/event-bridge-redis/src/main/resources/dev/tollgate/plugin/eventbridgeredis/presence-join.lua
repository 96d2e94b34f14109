-- Adds or refreshes members of a channel's presence.
--
-- KEYS[1]  the channel's presence hash: <key-prefix>presence:<redis channel>
-- ARGV[1]  milliseconds a member lives without a refresh
-- ARGV[2], ARGV[3], …  member id, member JSON ({"id":…,"user":…,"info":{…}}), for each member
--
-- Each field of the hash is a member id; its value is "<expiry> <member JSON>", the expiry in
-- milliseconds since the epoch by Redis' clock. The hash itself expires when no member is refreshed.
local time = redis.call('TIME')
local ttl = tonumber(ARGV[1])
local expiry = string.format('%.0f', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + ttl)
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], expiry .. ' ' .. ARGV[i + 1])
end
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return (#ARGV - 1) / 2
