-- Removes members from a channel's presence.
--
-- KEYS[1]  the channel's presence hash
-- ARGV     the ids of the members to remove
local removed = 0
for i = 1, #ARGV do
  removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
end
return removed
