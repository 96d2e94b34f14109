-- The events of a channel published after an offset, oldest first, or why they cannot be recovered.
--
-- KEYS[1]  the channel's stream
-- ARGV[1]  the offset the subscriber has seen; '0-0' when it saw none
-- ARGV[2]  how many of the latest events are served at most: the history rule's size
-- ARGV[3]  milliseconds: older events are not served: the rule's ttl
--
-- Returns { 'ok', offset, payload, offset, payload, … }; { 'gap' } when an event after the offset
-- was trimmed, expired or is beyond the latest `size`; { 'unknown' } for an offset the stream
-- never had. Needs Redis 7.0 or later (max-deleted-entry-id, entries-added).
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local after = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then
  if after == '0-0' then
    return { 'ok' }
  end
  return { 'unknown' }
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, deleted, added = '0-0', '0-0', 0
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then
    last = info[i + 1]
  elseif info[i] == 'max-deleted-entry-id' then
    deleted = info[i + 1]
  elseif info[i] == 'entries-added' then
    added = info[i + 1]
  end
end
if before(last, after) then
  return { 'unknown' }
end
local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[3])
local size = tonumber(ARGV[2])
local latest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', size + 1)
-- The newest `servable` entries are served; the newest entry that is not marks the gap.
local servable = 0
local lost = deleted
for i, entry in ipairs(latest) do
  if i > size or parse(entry[1]) < oldest then
    if before(lost, entry[1]) then
      lost = entry[1]
    end
    break
  end
  servable = i
end
if after == '0-0' then
  if added > servable then
    return { 'gap' }
  end
elseif before(after, lost) then
  return { 'gap' }
end
local result = { 'ok' }
for i = servable, 1, -1 do
  local entry = latest[i]
  if before(after, entry[1]) then
    local fields = entry[2]
    for j = 1, #fields, 2 do
      if fields[j] == 'payload' then
        result[#result + 1] = entry[1]
        result[#result + 1] = fields[j + 1]
      end
    end
  end
end
return result
