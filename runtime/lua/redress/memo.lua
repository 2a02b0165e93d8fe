--- Bounded memos for pure functions of the few strings a decision names
-- again and again (pack names, statuses, metric labels, language tags): the
-- answer per key is kept, and the table is dropped whole once it holds
-- `max` keys, so a stream of new keys costs memory only up to that bound.
local M = {}

--- memo.of(fn [, max = 256]) → a function of one key answering fn(key),
-- kept (a nil answer is not).
function M.of(fn, max)
  max = max or 256
  local kept, n = {}, 0
  return function(key)
    local v = kept[key]
    if v ~= nil then return v end
    v = fn(key)
    if v ~= nil and key ~= nil and key == key then
      if n >= max then kept, n = {}, 0 end
      kept[key], n = v, n + 1
    end
    return v
  end
end

return M
