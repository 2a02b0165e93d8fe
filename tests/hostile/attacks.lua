--- Hostile packs: what a pack author who wants to stall, slow or change the
-- daemon would write. Each entry becomes a pack (tests/hostile/packs.lua)
-- that the hostile specs run through `redress decide`, `redress pack test`
-- and a running redressd.
--
-- Fields: name; body (Lua run inside on_complaint(case, act), or at the top
-- of policy.lua when at = "load"; at = "module" puts it at the top of a
-- pack module, "manifest" in pack.lua, "template" in templates/en.lua);
-- expect: a pattern the policy error (or the load error) must match;
-- or outcome = "decided" with check(decision, case) for attacks the engine
-- answers with a guardrail instead of an error. issue: the item of issue 11.
local LOOP = "function() while true do end end"

local A = {}
local function add(t) A[#A + 1] = t end

-- 1. Message handlers and metamethods run inside the budget
add { name = "xpcall-handler-loops", issue = 1, expect = "%[instructions%]",
  body = "xpcall(" .. LOOP .. ", " .. LOOP .. ")" }
add { name = "xpcall-handler-reraises", issue = 1, expect = "%[instructions%]",
  body = "xpcall(" .. LOOP .. ", function(m) error('again: ' .. tostring(m)) end)" }
add { name = "xpcall-handler-pcall-loop", issue = 1, expect = "%[instructions%]",
  body = "xpcall(" .. LOOP .. ", function(m) pcall(" .. LOOP .. ") return m end)" }
add { name = "xpcall-swallow-forever", issue = 1, expect = "%[instructions%]",
  body = "while true do xpcall(" .. LOOP .. ", function(m) return m end) end" }
add { name = "pcall-swallow-forever", issue = 1, expect = "%[instructions%]",
  body = "while true do pcall(" .. LOOP .. ") end" }
add { name = "error-object-tostring-loops", issue = 3, expect = "policy raised a table value",
  body = "error(setmetatable({}, { __tostring = " .. LOOP .. " }))" }
add { name = "gc-finalizer", issue = 3, expect = "__gc is not allowed",
  body = "setmetatable({}, { __gc = " .. LOOP .. " })" }
add { name = "gc-finalizer-set-late", issue = 3, expect = "__gc is not allowed",
  body = "local mt = { __gc = true }; setmetatable({}, mt); mt.__gc = " .. LOOP }
add { name = "close-metamethod-loops", issue = 3, expect = "%[instructions%]",
  body = "local x <close> = setmetatable({}, { __close = " .. LOOP .. " }); while true do end" }
add { name = "vars-tostring-loops", issue = 3, expect = "vars must map names to strings",
  body = "act:acknowledge { template = 'ack', vars = { name = setmetatable({}, { __tostring = " .. LOOP .. " }) } }" }
add { name = "facts-pairs-loops", issue = 3, expect = "%[instructions%]",
  body = "act:set { facts = setmetatable({}, { __pairs = " .. LOOP .. " }) }" }
add { name = "tags-index-endless", issue = 3, expect = "tags must list at most 100",
  body = "act:set { tags = setmetatable({}, { __index = function() return 'x' end }) }" }
add { name = "offer-index-loops", issue = 3, expect = "%[instructions%]",
  body = "act:offer(setmetatable({}, { __index = " .. LOOP .. " }))" }
add { name = "deep-recursion", issue = 1, expect = "%[memory%]",
  body = "local function f(n) return 1 + f(n + 1) end; f(1)" }

-- 2. Work inside one C call: patterns, long copies, shifts, sorts
local BACKTRACK = "string.rep('a', 5000), string.rep('a*', 8) .. 'b'"
add { name = "find-backtracks", issue = 2, expect = "%[instructions%]", body = "string.find(" .. BACKTRACK .. ")" }
add { name = "match-backtracks", issue = 2, expect = "%[instructions%]", body = "string.match(" .. BACKTRACK .. ")" }
add { name = "gmatch-backtracks", issue = 2, expect = "%[instructions%]",
  body = "for _ in string.gmatch(" .. BACKTRACK .. ") do end" }
add { name = "gsub-backtracks", issue = 2, expect = "%[instructions%]", body = "string.gsub(" .. BACKTRACK .. ", '')" }
add { name = "method-find-lazy", issue = 2, expect = "%[instructions%]",
  body = "local s = ('a'):rep(4000); s:find(('a-'):rep(7) .. 'b')" }
add { name = "balance-scan", issue = 2, expect = "%[instructions%]",
  body = "for i = 1, 100 do string.rep('(', 200000):find('%b()') end" }
add { name = "frontier-scan", issue = 2, expect = "%[instructions%]",
  body = "string.rep('a', 3000):find('%f[a]a-a-a-a-b')" }
add { name = "table-move-huge", issue = 2, expect = "%[instructions%]", body = "table.move({ 1 }, 1, 1e15, 2)" }
add { name = "table-insert-shifts", issue = 2, expect = "%[instructions%]",
  body = "local t = {} for i = 1, 200000 do t[i] = i end while true do table.insert(t, 1, 0); table.remove(t, 1) end" }
add { name = "table-concat-range", issue = 2, expect = "%[instructions%]",
  body = "table.concat(setmetatable({}, { __index = function() return '' end }), '', 1, 1e12)" }
add { name = "render-parts-huge", issue = 2, expect = "%[instructions%]",
  body = "local w = require 'redress.wording'; local p = setmetatable({}, { __len = function() return 1e12 end, " ..
    "__index = function() return 'x' end }); while true do w.render_parts(p, {}, { lang = 'en' }) end" }
-- a long template renders in time linear in its bytes (joined in one
-- buffer: joining the text so far again every few parts took seconds here)
add { name = "render-parts-long", issue = 2, outcome = "decided",
  body = "local w = require 'redress.wording'; local p = {} for i = 1, 200000 do p[i] = 'xxxxxxxxxx' end; " ..
    "act:set { facts = { n = #w.render_parts(p, {}, { lang = 'en' }) } }; act:acknowledge { template = 'ack' }",
  check = function(decision, case) return case.facts.n == 2000000, "rendered " .. tostring(case.facts.n) end }
-- few VM instructions, much C work: rd.render charges by parts and bytes
add { name = "render-parts-many", issue = 2, expect = "%[instructions%]",
  body = "local w = require 'redress.wording'; local p = {} for i = 1, 100000 do p[i] = 'x' end; " ..
    "for r = 1, 100 do w.render_parts(p, {}, { lang = 'en' }) end" }
add { name = "string-rep-bomb", issue = 2, expect = "%[instructions%]", body = "string.rep('x', 1e12)" }
add { name = "utf8-len-loop", issue = 2, expect = "%[instructions%]",
  body = "local s = ('é'):rep(1000000) while true do utf8.len(s) end" }
add { name = "sort-loop", issue = 2, expect = "%[instructions%]",
  body = "local t = {} for i = 1, 100000 do t[i] = -i end while true do table.sort(t) end" }
add { name = "long-compare-loop", issue = 2, expect = "%[wall%]",
  body = "local a = ('x'):rep(2000000) local b = ('x'):rep(1999999) .. 'y' while true do local _ = a == b end" }
add { name = "load-time-pattern", issue = 5, at = "load", expect = "%[instructions%]",
  body = "string.find(" .. BACKTRACK .. ")" }
add { name = "load-time-loop", issue = 5, at = "load", expect = "%[instructions%]", body = "while true do end" }
add { name = "module-load-pattern", issue = 5, at = "module", expect = "%[instructions%]",
  body = "string.match(" .. BACKTRACK .. ")" }
add { name = "manifest-pattern", issue = 5, at = "manifest", expect = "instruction budget exhausted",
  body = "string.find(" .. BACKTRACK .. ")" }
add { name = "template-pattern", issue = 5, at = "template", expect = "instruction budget exhausted",
  body = "string.find(" .. BACKTRACK .. ")" }

add { name = "icu-malformed-locale", issue = 2, expect = "not a locale",
  body = "require('redress.wording').render('{d:date}', { d = 0 }, { lang = 'KKKKKKKKKKKen', zone = 'UTC' })" }

-- 4. Shared things stay shared and unchanged
add { name = "pairs-money-module", issue = 4, expect = "read%-only",
  body = "for k, v in pairs(require 'redress.money') do if type(v) == 'table' then v.pwned = true end end\n" ..
    "local it, st = pairs(require 'redress.money'); rawset(st, 'format', " .. LOOP .. ")" }
add { name = "nested-wording-table", issue = 4, expect = "read%-only",
  body = "for k, v in pairs(require 'redress.wording') do if type(v) == 'table' then for k2 in pairs(v) do v[k2] = 'PWNED' end end end\n" ..
    "error('nothing shared was reachable: read-only')" }
add { name = "rawset-calendar-object", issue = 3, expect = "rawset: not allowed on a read%-only",
  body = "rawset(require('redress.calendar').pack, 'zone', " .. LOOP .. ")" }
add { name = "rawget-object-internals", issue = 4, expect = "rawget: not allowed on a read%-only",
  body = "local h = rawget(require('redress.calendar').pack, 'holidays')" }
add { name = "next-object-internals", issue = 4, expect = "next: not allowed on a read%-only",
  body = "local k, v = next(require('redress.calendar').pack)" }
-- the case view (rd.view) is copied as the policy reads it: what the policy
-- changes there stays there, and every way of walking it sees all of it
add { name = "case-view-changed", issue = 4, outcome = "decided",
  body = "local before = case.category; case.category = 'changed'; case.customer.id = 'someone-else'; " ..
    "case.offers = { { kind = 'refund', amount = 999999 } }; case.id = nil; " ..
    "act:set { facts = { seen = case.category .. ' ' .. case.customer.id .. ' ' .. tostring(case.id) .. ' ' .. before } }; " ..
    "act:acknowledge { template = 'ack' }",
  check = function(decision, case)
    return case.category ~= "changed" and case.customer.id ~= "someone-else" and #case.offers == 0 and
      case.facts.seen == "changed someone-else nil " .. case.category, "case: " .. case.category .. " " .. case.customer.id ..
      ", " .. #case.offers .. " offers, seen " .. tostring(case.facts.seen)
  end }
add { name = "case-view-walked", issue = 4, outcome = "decided",
  body = "local n, m, k = 0, 0, next(case); while k do m = m + 1; k = next(case, k) end; " ..
    "for _ in pairs(case) do n = n + 1 end; " ..
    "act:set { facts = { walked = n .. ' ' .. m .. ' ' .. type(rawget(case, 'customer')) .. ' ' .. type(rawget(case, 'promises')) } }; " ..
    "act:acknowledge { template = 'ack' }",
  check = function(decision, case)
    local n = tonumber(case.facts.walked:match("^(%d+)"))
    return n and n >= 20 and case.facts.walked == n .. " " .. n .. " table table", "walked: " .. tostring(case.facts.walked)
  end }
add { name = "settings-write", issue = 4, expect = "read%-only", body = "require('redress.settings').x = 1" }
add { name = "string-metatable", issue = 4, expect = "attempt to index a boolean value",
  body = "getmetatable('').__index.upper = " .. LOOP }
add { name = "string-dump", issue = 4, expect = "attempt to call a nil value", body = "('').dump(function() end)" }
add { name = "env-library-write", issue = 8, expect = "read%-only", body = "string.upper = function() return 'PWNED' end" }
add { name = "rawset-env", issue = 8, expect = "rawset: not allowed on a read%-only", body = "rawset(_ENV, 'x', 1)" }

-- 7-8. Nothing carries from one decision to the next
add { name = "module-table-grows", issue = 7, at_top = "local cache = {}", expect = "read%-only",
  body = "cache[#cache + 1] = string.rep('x', 100000)" }
add { name = "upvalue-carries-customer", issue = 8, outcome = "decided", twice = true,
  at_top = "local last = 'nobody'",
  body = "act:set { facts = { previous = last } }; last = case.customer.id; act:acknowledge { template = 'ack' }",
  check = function(decision, case) return case.facts.previous == "nobody", "previous customer: " .. tostring(case.facts.previous) end }
add { name = "upvalue-counter", issue = 8, outcome = "decided", twice = true, at_top = "local n = 0",
  body = "n = n + 1; act:set { facts = { n = n } }; act:acknowledge { template = 'ack' }",
  check = function(decision, case) return case.facts.n == 1, "n = " .. tostring(case.facts.n) end }
add { name = "upvalue-nested-closure-counter", issue = 8, outcome = "decided", twice = true, at_top = "local n = 0",
  body = "local bump = function() local deeper = function() n = n + 1 end; deeper() end; bump(); act:set { facts = { n = n } }; act:acknowledge { template = 'ack' }",
  check = function(decision, case) return case.facts.n == 1, "n = " .. tostring(case.facts.n) end }
add { name = "upvalue-written-by-a-helper", issue = 8, outcome = "decided", twice = true,
  at_top = "local seen = 0; local function remember() seen = seen + 1 end; local function read() return seen end",
  body = "remember(); act:set { facts = { n = read() } }; act:acknowledge { template = 'ack' }",
  check = function(decision, case) return case.facts.n == 1, "n = " .. tostring(case.facts.n) end }
add { name = "env-reassigned", issue = 8, outcome = "decided", twice = true,
  body = "act:set { facts = { seen = rawequal(_ENV.tostring, tostring) } }; act:acknowledge { template = 'ack' }; _ENV = setmetatable({}, { __index = function() return function() return 'PWNED' end end })",
  check = function(decision, case) return case.facts.seen == true, "seen = " .. tostring(case.facts.seen) end }
add { name = "global-reassigned", issue = 8, expect = "'type' is a read%-only global",
  body = "act:set { facts = { seen = type(1) } }; type = function() return 'PWNED' end" }
add { name = "money-constant-changed", issue = 8, outcome = "decided", twice = true,
  at_top = "local FEE = require('redress.money').new(500, 'EUR')",
  body = "act:set { facts = { fee = FEE.amount, extra = tostring(rawequal(FEE.extra, nil)) } }; FEE.amount = 1; FEE.extra = 'kept'",
  check = function(decision, case)
    return case.facts.fee == 500 and case.facts.extra == "true", "fee = " .. tostring(case.facts.fee) .. ", extra nil: " .. tostring(case.facts.extra)
  end }
add { name = "stdlib-object-changed", issue = 8, expect = "a ladder is read%-only",
  at_top = "local L = require('redress.escalation').new { teams = { 'care' }, triggers = {} }",
  body = "L.chronic = { complaints_365d = 1 }" }
add { name = "guarded-table-counter", issue = 8, outcome = "decided", twice = true,
  at_top = "local counter = setmetatable({}, { __metatable = false, __index = (function() local n = 0; return function() n = n + 1; return n end end)() })",
  body = "act:set { facts = { n = counter.next } }",
  check = function(decision, case) return case.facts.n == 1, "n = " .. tostring(case.facts.n) end }
add { name = "law-rule-counter", issue = 8, outcome = "decided", twice = true,
  at_top = "local n = 0; local money = require('redress.money'); local law = require('redress.legal').new { rules = { { id = 'XX.count', " ..
    "where = function() return true end, right = 'x', remedies = { 'refund' }, applies = function() return true end, why = 'x', " ..
    "citation = 'x', window = function() return 0, 999999 end, amount = function() n = n + 1; return money.new(n, 'EUR') end } } }",
  body = "local r = law:remedies({ jurisdiction = 'XX', order = {}, now = case.now }, { now = case.now }); " ..
    "act:set { facts = { n = r.owed[1] and r.owed[1].amount.amount or -1 } }",
  check = function(decision, case) return case.facts.n == 1, "n = " .. tostring(case.facts.n) end }
add { name = "shared-legal-lists", issue = 4, outcome = "decided", twice = true,
  body = "local c = { jurisdiction = 'EU', category = 'other', order = { sale = 'distance', kind = 'goods', delivered_at = case.now_iso }, now = case.now }; " ..
    "local r = require('redress.legal').remedies(c, { now = case.now }); act:set { facts = { owed = #r.owed > 0 and #r.owed[1].remedies or -1 } }; " ..
    "for _, e in ipairs(r.owed) do for i = #e.remedies, 1, -1 do e.remedies[i] = nil end end",
  check = function(decision, case) return case.facts.owed == 1, "owed remedies " .. tostring(case.facts.owed) end }
add { name = "memory-bomb", issue = 7, expect = "%[memory%]",
  body = "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1024) .. i end" }

-- 6. Many small actions
add { name = "many-tags", issue = 6, expect = "too many actions",
  body = "for i = 1, 20000 do act:set { tags = { 't' .. i } } end" }
add { name = "many-messages", issue = 6, expect = "too many actions",
  body = "for i = 1, 100000 do act:acknowledge { template = 'ack' } end" }
add { name = "huge-facts", issue = 6, expect = "at most 200 facts",
  body = "local f = {} for i = 1, 10000 do f['k' .. i] = i end act:set { facts = f }" }
add { name = "huge-explanation", issue = 6, expect = "explain: text must be a string of at most",
  body = "act:explain('x', string.rep('x', 100000))" }

-- 9-10. Money
add { name = "refund-twice", issue = 9, outcome = "decided",
  body = "act:offer { kind = 'refund', amount = case.order.amount }; act:offer { kind = 'partial_refund', amount = case.order.amount }",
  check = function(decision, case)
    local total = 0
    for _, o in ipairs(case.offers) do total = total + o.amount end
    return total == case.order.amount, "refunded " .. total .. " of " .. case.order.amount
  end }
add { name = "amount-past-2-53", issue = 10, expect = "amount must be at most",
  body = "act:offer { kind = 'coupon', amount = 9007199254740993 }" }
add { name = "amount-2-53", issue = 10, expect = "amount must be at most",
  body = "act:offer { kind = 'compensation', amount = 9007199254740992 }" }
add { name = "amount-1e14-kept-exactly", issue = 10, outcome = "decided",
  body = "act:offer { kind = 'compensation', amount = 100000000000001 }",
  check = function(decision, case)
    return math.tointeger(case.offers[1].amount) == 100000000000001, "stored " .. tostring(case.offers[1].amount)
  end }
add { name = "timer-at-end-of-time", issue = 10, expect = "timer: at",
  body = "act:timer { name = 'x', at = math.maxinteger }" }

-- 11. The act methods run outside the count hook (act.lua): only on plain
-- data the policy passed (looked at and charged by size), and on the pack's
-- data as copied at load, never calling the policy's code
add { name = "big-specs-charged", issue = 6, expect = "%[instructions%]",
  body = "local t = {} for i = 1, 10000 do t[i] = 'x' end; for i = 1, 450 do pcall(act.set, act, { tags = t }) end" }
add { name = "template-table-proxy", issue = 3, at = "template", expect = "templates/en.lua must return data",
  body = "do return setmetatable({ ack = 'Thanks' }, { __index = " .. LOOP .. " }) end" }
add { name = "manifest-key-tostring", issue = 3, at = "manifest", expect = "pack.lua must return data",
  body = "do return { name = 'x', version = '1.0.0', languages = { 'en' }, [setmetatable({}, { __tostring = " .. LOOP .. " })] = true } end" }

return A
