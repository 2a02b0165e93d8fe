--- Bounded memos for pure functions of the few strings a decision names
-- again and again (pack names, statuses, metric labels, language tags,
-- durations): the answer per key is kept, and the table is dropped whole
-- once it holds `max` keys, so a stream of new keys costs memory only up to
-- that bound. They are rd.memo (bindings/memo.c): under a policy's budget a
-- kept answer and a new one count the same, so what a decision counts does
-- not depend on the decisions run before it.
local rd = require "rd"

local M = {}

--- memo.of(fn [, max = 256]) → a function of one key answering fn(key),
-- kept (a nil answer is not). fn must be ours (the stdlib's or the
-- engine's), pure, and its work linear in its key: a new answer is made
-- outside the policy's count. Only a string of at most 256 bytes, a number
-- or a boolean is kept; fn runs under the count for any other key (a table
-- may carry a policy's metamethods).
function M.of(fn, max)
  return rd.memo(fn, max)
end

return M
