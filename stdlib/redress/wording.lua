--- redress.wording: templates in the customer's language, formatted by ICU.
--
-- Placeholders in a pack's templates:
--     {name}                           text as given
--     {amount:money}                   a money value (redress.money) in the locale: "€49.99", "۴۹٫۹۹ €"
--     {count:number}                   a number in the locale's digits and separators
--     {due:date} {due:datetime} {due:time}   a time (ms) in the locale's calendar and the zone:
--                                      Buddhist era for Thai, Solar Hijri for Persian;
--                                      a Thai time ends in "น." ("เวลา 18:00 น.")
--     {due:date|yMMMEd}                with an ICU skeleton of your own
--     {days:plural|one=# day|other=# days}    the locale's plural rules (# is the number)
--     {state:select|calm=…|frustrated=…|other=…}
--     {{ and }}                        literal braces
-- In right-to-left languages every value is wrapped in Unicode isolates
-- (U+2068 … U+2069) so an order id, e-mail or amount cannot reorder the text.
--
--     local wording = require "redress.wording"
--     wording.render("Refund of {amount:money} by {due:date}", { amount = m, due = t }, { lang = "th", zone = "Asia/Bangkok" })
--     wording.compose(case, { ask = { "order_number" }, next_contact = t }, { lang = "fa", zone = "Asia/Tehran" })
local icu = require "rd.icu"
local rd_render = require("rd").render
local phrases = require "redress.wording_phrases"

local M = {}

local RTL = { fa = true, ar = true, he = true, ur = true, ps = true, yi = true }

--- wording.is_rtl(lang) → true for right-to-left languages
function M.is_rtl(lang) return RTL[phrases.base(lang)] == true end

local TYPES = { text = true, money = true, number = true, date = true, datetime = true, time = true,
  plural = true, select = true }

--- wording.parse(text) → list of parts (strings and {name, type, arg, branches}),
-- or nil and what is wrong. Packs are checked with it when they load.
function M.parse(text)
  local parts, i, buf = {}, 1, {}
  local types = {} -- placeholder name → the type it was used as (not text)
  while i <= #text do
    local c = text:sub(i, i)
    if c == "{" and text:sub(i + 1, i + 1) == "{" then
      buf[#buf + 1] = "{"; i = i + 2
    elseif c == "}" and text:sub(i + 1, i + 1) == "}" then
      buf[#buf + 1] = "}"; i = i + 2
    elseif c == "}" then
      return nil, "a '}' without its '{' (write }} for a brace)"
    elseif c == "{" then
      local close = text:find("}", i + 1, true)
      if not close then return nil, "a '{' without its '}'" end
      local body = text:sub(i + 1, close - 1)
      local name, ty, arg = body:match("^%s*([%w_]+)%s*:?%s*([%w_]*)%s*|?(.*)$")
      if not name then return nil, "cannot read the placeholder {" .. body .. "}" end
      ty = ty ~= "" and ty or "text"
      if not TYPES[ty] then return nil, "{" .. body .. "}: unknown type '" .. ty .. "'" end
      local ph = { name = name, type = ty }
      if ty == "plural" or ty == "select" then
        ph.branches = {}
        for k, v in arg:gmatch("([%w_]+)%s*=%s*([^|]*)") do ph.branches[k] = v end
        if not ph.branches.other then return nil, "{" .. body .. "}: " .. ty .. " needs an other= branch" end
      elseif arg ~= "" then
        if ty ~= "date" and ty ~= "datetime" and ty ~= "time" then
          return nil, "{" .. body .. "}: only dates take an argument (an ICU skeleton)"
        end
        if not arg:match("^%a+$") or #arg > 24 then
          return nil, "{" .. body .. "}: a date skeleton is up to 24 ICU pattern letters, such as yMMMEd"
        end
        ph.arg = arg
      end
      if ty ~= "text" then
        local other = types[name]
        if other and other ~= ty then
          return nil, "{" .. name .. "} is used as " .. other .. " and as " .. ty .. "; one value cannot be both"
        end
        types[name] = ty
      end
      if #buf > 0 then parts[#parts + 1] = table.concat(buf); buf = {} end
      parts[#parts + 1] = ph
      i = close + 1
    else
      local j = text:find("[{}]", i) or #text + 1
      buf[#buf + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  if #buf > 0 then parts[#parts + 1] = table.concat(buf) end
  return parts
end

--- wording.placeholders(text) → set of placeholder names (nil, err on a syntax error)
function M.placeholders(text)
  local parts, err = M.parse(text)
  if not parts then return nil, err end
  local set = {}
  for _, p in ipairs(parts) do if type(p) == "table" then set[p.name] = p.type end end
  return set
end

local SKELETONS = { date = "yMMMMd", datetime = "yMMMMdjmm", time = "jmm" }

local function to_ms(v, what)
  if math.type(v) == "integer" then return v end
  if type(v) == "string" then
    local t = require("redress.time").parse(v)
    if t then return t end
  end
  error(what .. " must be a time (milliseconds or RFC 3339), got " .. tostring(v), 0)
end

local function decimal(v)
  if math.type(v) == "integer" then return tostring(v) end
  if type(v) == "number" then return (string.format("%.6f", v):gsub("0+$", ""):gsub("%.$", "")) end
  error("a number is expected, got " .. tostring(v), 0)
end

local function format(ph, v, opts)
  local lang = opts.lang
  if ph.type == "text" then
    if type(v) == "table" and v.currency and v.major then return v:format(lang) end
    return tostring(v)
  elseif ph.type == "money" then
    if type(v) ~= "table" or not v.currency then error("{" .. ph.name .. ":money} needs a money value (redress.money)", 0) end
    local m = v.major and v or require("redress.money").new(v.amount, v.currency)
    return m:format(lang)
  elseif ph.type == "number" then
    return icu.format_number(lang, decimal(v))
  elseif ph.type == "date" or ph.type == "datetime" or ph.type == "time" then
    local skeleton = ph.arg or SKELETONS[ph.type]
    local s = icu.format_date(lang, opts.zone or "UTC", to_ms(v, "{" .. ph.name .. "}"), skeleton)
    -- ICU leaves out the word some languages put after a 24-hour time
    -- (Thai "18:00 น."); the phrases say which
    local suffix = phrases.lang(lang).time_suffix
    if suffix and skeleton:find("[HjJk]") and not skeleton:find("[hKabB]") then s = s .. suffix end
    return s
  elseif ph.type == "plural" then
    if type(v) ~= "number" then error("{" .. ph.name .. ":plural} needs a number", 0) end
    local cat = icu.plural(lang, v)
    local text = ph.branches[cat] or ph.branches.other
    return (text:gsub("#", (icu.format_number(lang, decimal(v)):gsub("%%", "%%%%"))))
  elseif ph.type == "select" then
    return ph.branches[tostring(v)] or ph.branches.other
  end
end

-- The parts of a text, parsed once (the stdlib's own phrases come back on
-- every decision): a syntax error raises. Kept by redress.memo: private (a
-- policy never gets these tables), texts of at most 256 bytes (a longer one
-- is parsed every time), dropped whole when full, so no pack can grow it; a
-- new text is parsed outside the count, so a render counts the same
-- whether its text was kept.
local parts_of = require("redress.memo").of(function(text)
  local parts, err = M.parse(text)
  if not parts then error(err, 0) end
  return parts
end)

-- Renders parsed parts; rtl: wrap each value in isolates (plural and
-- select branches are the language's own words). The loop is rd.render's
-- (C); a placeholder it does not show as it is comes back to format, above.
local function render(parts, vars, opts, rtl)
  return rd_render(parts, vars, rtl, format, opts)
end

--- wording.render(text, vars, {lang, zone}) → the text with every
-- placeholder formatted; a missing value is an error naming it.
function M.render(text, vars, opts)
  return render(parts_of(text), vars, opts, M.is_rtl(opts.lang))
end

--- wording.render_parts(parts, vars, {lang, zone}) → as render, for a
-- template already parsed by wording.parse (packs parse theirs once, when
-- they load).
function M.render_parts(parts, vars, opts)
  return render(parts, vars, opts, M.is_rtl(opts.lang))
end

local function join(list, lang)
  local P = phrases.lang(lang)
  if #list == 0 then return "" end
  if #list == 1 then return list[1] end
  return table.concat(list, P.list_sep, 1, #list - 1) .. P.list_and .. list[#list]
end

-- The composed acknowledgements' templates, parsed: per language's phrase
-- table, by what else shapes them (channel, the customer's state, which
-- lines, the asked-for list's text). Every input is read once, so the key
-- and the template come from the same values whatever a caller's tables
-- do; the phrases are the stdlib's own. A handful per language, dropped
-- whole when full; an asked-for text past 2,000 bytes is not kept. A
-- composition is then one render, its lines rendered as one template would be.
local composed, n_composed = setmetatable({}, { __mode = "k" }), 0

-- The asked-for sentences made, per language's phrase table, by the list
-- (ask_key); bounded like `composed`.
local asked_texts, n_asked = setmetatable({}, { __mode = "k" }), 0

-- The key of an asked-for list (a plain list of what was read) in the
-- phrase table P: its names joined, or nil when one is not a thing P knows
-- how to ask for (then the sentence is made, and the error raised, every
-- time) or the list is long. Known names are words, so the joined text
-- names one list only.
local function ask_key(P, ask)
  local n = #ask
  if n > 8 then return nil end -- the four things to ask for, a few times over at most
  local items = P.items
  for i = 1, n do
    local k = ask[i]
    if type(k) ~= "string" or not items[k] then return nil end
  end
  return n == 1 and ask[1] or table.concat(ask, "\0", 1, n)
end

-- A text as a template shows it: braces doubled.
local function literal(text) return (text:gsub("[{}]", "%0%0")) end

--- wording.compose(case, spec, {lang, zone}) → the acknowledgement that
-- follows the eight rules: thank; say why; apologise; promise action; ask
-- for exactly what is missing; give the next contact date. It adapts to the
-- customer's state (calm, frustrated, aggressive) and the channel (social:
-- short; letter and e-mail: formal). spec: { ask = { "order_number",
-- "photo", "receipt", "contact" }, next_contact = ms, signature = "…" };
-- without ask, what the case lacks is asked for (the order number).
function M.compose(case, spec, opts)
  spec = spec or {}
  local lang = opts.lang
  local P = phrases.lang(lang)
  local short = case.channel == "social"
  local customer = case.customer
  local name = customer and customer.name
  local state = case.customer_state
  if state ~= "frustrated" and state ~= "aggressive" then state = "" end
  local next_contact, signature = spec.next_contact, not short and spec.signature or nil
  local ask = spec.ask
  if ask == nil then
    local order = case.order
    ask = (order and order.id) and {} or { "order_number" }
  end
  local asking = #ask > 0
  local asked = ""
  if asking and not short then
    -- the sentence depends on the language and the list alone: kept by
    -- both. The list is read once (a caller's metamethods cannot make the
    -- key and the sentence disagree).
    local names = {}
    for i, k in ipairs(ask) do names[i] = k end
    local key = ask_key(P, names)
    local mine = asked_texts[P]
    asked = key and mine and mine[key]
    if not asked then
      local items = {}
      for _, k in ipairs(names) do
        local item = P.items[k]
        if not item then error("compose: unknown thing to ask for '" .. tostring(k) .. "' (order_number, photo, receipt, contact)", 0) end
        items[#items + 1] = item
      end
      -- the list is the language's own words: no isolates around it
      asked = render(parts_of(P.ask), { items = join(items, lang) }, opts, false)
      if key then
        if n_asked >= 256 then asked_texts, n_asked, mine = setmetatable({}, { __mode = "k" }), 0, nil end
        if not mine then mine = {}; asked_texts[P] = mine end
        mine[key], n_asked = asked, n_asked + 1
      end
    end
  end
  local key = (short and "s" or "l") .. (name and "n" or "-") .. state .. (asking and "a" or "-") ..
    (next_contact and "c" or "-") .. (signature and "g|" or "-|") .. asked
  local mine = composed[P]
  local parts = mine and mine[key]
  if not parts then
    local lines = {}
    local function add(k) lines[#lines + 1] = P[k] end
    add(name and (short and "greet_short" or "greet") or (short and "greet_short_anon" or "greet_anon"))
    add("thank")
    if not short then add("why") end
    add("apologise")
    if state == "frustrated" then add("empathy") end
    if state == "aggressive" then add("senior") end
    add("promise")
    if asking then
      if short then add("ask_private") else lines[#lines + 1] = literal(asked) end
    end
    if next_contact then add("next_contact") end
    if signature then add("sign") end
    local err
    parts, err = M.parse(table.concat(lines, P.sentence_sep))
    if not parts then error(err, 0) end
    if #asked <= 2000 then
      if n_composed >= 256 then composed, n_composed = setmetatable({}, { __mode = "k" }), 0 end
      if not mine then mine = {}; composed[P] = mine end
      mine[key], n_composed = parts, n_composed + 1
    end
  end
  return render(parts, { name = name, case_id = case.id, next_contact = next_contact, signature = signature },
    opts, M.is_rtl(lang))
end

return M
