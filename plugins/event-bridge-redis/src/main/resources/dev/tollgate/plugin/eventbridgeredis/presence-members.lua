-- The members of a channel's presence, as JSON; removes those whose expiry has passed.
--
-- KEYS[1]  the channel's presence hash
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local fields = redis.call('HGETALL', KEYS[1])
local members = {}
for i = 1, #fields, 2 do
  local value = fields[i + 1]
  local space = string.find(value, ' ', 1, true)
  local expiry = space and tonumber(string.sub(value, 1, space - 1))
  if expiry == nil or expiry < now then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    members[#members + 1] = string.sub(value, space + 1)
  end
end
return members
