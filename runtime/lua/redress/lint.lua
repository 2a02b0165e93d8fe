--- `redress pack lint`: what a machine can check in a pack before a
-- customer reads it. Loading the pack (redress.pack) already refuses what
-- would fail in front of a customer; lint adds what loads but reads wrong:
--   * every template in every language the pack declares, and in each
--     language's version the placeholders the others use;
--   * the wording rendered in its own language with sample values:
--     doubled punctuation (a Russian date ends in "г.", so "{due:date}."
--     prints "г.."), a word written twice ("18:00 น. น."), and the spacing
--     rule for Chinese (README, "Money and wording");
--   * handler names, and a README.
-- Problems name the file and line of the template: "templates/ru.lua:12: …".
local wording = require "redress.wording"
local config = require "redress.config"
local pack = require "redress.pack"
local money = require "redress.money"

local M = {}

local HANDLERS = pack.HANDLERS

local SAMPLE_MS = 1796122851591 -- a Tuesday afternoon

-- Values for a template's placeholders, by their type, to render it as a
-- customer would read it.
local function sample_vars(parts)
  local vars = {}
  for _, ph in ipairs(parts) do
    if type(ph) == "table" then
      local t = ph.type
      vars[ph.name] = t == "money" and money.new(1250, "EUR") or t == "number" and 3 or
        (t == "date" or t == "datetime" or t == "time") and SAMPLE_MS or t == "plural" and 2 or
        t == "select" and next(ph.branches) or "Sample"
    end
  end
  return vars
end

-- The first doubled sentence mark in text ("..", "。。", "!!", ",."), not
-- counting an ellipsis; else a word ending in a full stop written twice
-- ("18:00 น. น.": the time format adds "น." already). → what, where, and
-- whether it is a word
local function doubled(text)
  local first, found
  for _, pair in ipairs { "..", "。。", "。.", "!!", "??", "？？", "!.", "?.", ",.", "،.", "۔." } do
    local from = 1
    while true do
      local at = text:find(pair, from, true)
      if not at then break end
      -- an ellipsis ("...") is not a doubled full stop
      if not (pair == ".." and (text:sub(at + 2, at + 2) == "." or text:sub(at - 1, at - 1) == ".")) then
        if not first or at < first then first, found = at, pair end
        break
      end
      from = at + 3
    end
  end
  if found then return found, first end
  local at, _, word = text:find("%f[%S](%S+%.)%s+%1%f[%s\0]")
  if at then return word, at, true end
end

-- A few characters either side of text[at], cut between characters.
local function excerpt(text, at, len)
  local from, to = math.max(1, at - 24), math.min(#text, at + len + 8)
  while from > 1 and text:byte(from) >= 0x80 and text:byte(from) < 0xC0 do from = from - 1 end
  while to < #text and text:byte(to + 1) >= 0x80 and text:byte(to + 1) < 0xC0 do to = to + 1 end
  return text:sub(from, to)
end

-- Chinese spacing (README, "Money and wording"): Latin text (words, case
-- and order ids) is set off from Chinese by a space; numbers, amounts,
-- dates and times are not (ICU writes "2026年12月1日", "€12.50"); nothing
-- is spaced from full-width punctuation. Each character of a template
-- becomes a class: H Han, P full-width punctuation, S space, D digit (and a
-- number, money, date or time placeholder), L Latin (and {case_id},
-- {order_id}), ? any other placeholder (a name may be Chinese or not).
local NUMERIC = { money = true, number = true, date = true, datetime = true, time = true }
local IDS = { case_id = true, order_id = true }

local function classes(parts)
  local out, shown = {}, {}
  local function add(class, s) out[#out + 1], shown[#shown + 1] = class, s end
  local function text(s)
    for _, c in utf8.codes(s) do
      add((c >= 0x3400 and c <= 0x9FFF) and "H"
        or ((c >= 0x3000 and c <= 0x303F) or (c >= 0xFF00 and c <= 0xFFEF)) and "P"
        or c == 0x20 and "S" or (c >= 0x30 and c <= 0x39) and "D"
        or ((c >= 0x41 and c <= 0x5A) or (c >= 0x61 and c <= 0x7A)) and "L" or "O", utf8.char(c))
    end
  end
  for _, p in ipairs(parts) do
    if type(p) == "string" then text(p)
    elseif NUMERIC[p.type] then add("D", "{" .. p.name .. "}")
    elseif p.type == "plural" then
      -- the branch's words around its number (#)
      local other = p.branches.other
      local from = 1
      for at in other:gmatch("()#") do text(other:sub(from, at - 1)); add("D", "#"); from = at + 1 end
      text(other:sub(from))
    elseif p.type == "text" and IDS[p.name] then add("L", "{" .. p.name .. "}")
    else add("?", "{" .. p.name .. "}") end
  end
  -- digits inside a Latin word ("UK261", "5G") are Latin text
  local cls = table.concat(out):gsub("[LD]+", function(w) return w:find("L") and ("L"):rep(#w) end)
  return cls, shown
end

local SPACING = {
  { "HL", "Latin text touches Chinese (put a space between them)" },
  { "LH", "Latin text touches Chinese (put a space between them)" },
  { "HSD", "a space between Chinese and a number, amount or date (write them together)" },
  { "DSH", "a space between Chinese and a number, amount or date (write them together)" },
  { "PS", "a space after full-width punctuation" },
  { "SP", "a space before full-width punctuation" },
}

-- The first break of the spacing rule in a template → what, where (an
-- excerpt of the template).
local function chinese_spacing(parts)
  local texts = { parts }
  -- a select's branches are the language's own words: each on its own
  for _, p in ipairs(parts) do
    if type(p) == "table" and p.type == "select" then
      for _, b in pairs(p.branches) do texts[#texts + 1] = wording.parse(b) or {} end
    end
  end
  for _, t in ipairs(texts) do
    local cls, shown = classes(t)
    for _, rule in ipairs(SPACING) do
      local at = cls:find(rule[1], 1, true)
      if at then
        return rule[2], table.concat(shown, "", math.max(1, at - 6), math.min(#shown, at + #rule[1] + 5))
      end
    end
  end
end

-- "dir/templates/<lang>.lua:line", the line where template name is defined
-- in src (the file's text), when it can be found.
local function place(dir, src, lang, name)
  local n, line = 1, nil
  local key = name:gsub("%p", "%%%0")
  for l in ((src or "") .. "\n"):gmatch("([^\n]*)\n") do
    if l:find("^%s*" .. key .. "%s*=") or l:find("[{,]%s*" .. key .. "%s*=") or
        l:find("%[%s*[\"']" .. key .. "[\"']%s*%]%s*=") then
      line = n
      break
    end
    n = n + 1
  end
  return string.format("%s/templates/%s.lua%s", dir, lang, line and (":" .. line) or "")
end

-- Problems in file and line order ("zh.lua:4" before "zh.lua:10").
local function natural_sort(list)
  local function key(s) return (s:gsub("%d+", function(d) return string.format("%09d", tonumber(d)) end)) end
  table.sort(list, function(a, b) return key(a) < key(b) end)
end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- The languages' templates, read as pack.load reads them; nil when the
-- manifest or a template file cannot be read (the load error says why).
local function read_templates(files)
  local limits = config.defaults
  local okm, m = pcall(pack.load_data, files["pack.lua"] or "", "pack.lua", limits)
  if not okm or type(m) ~= "table" or type(m.languages) ~= "table" or #m.languages == 0 then return nil end
  local templates = {}
  for _, lang in ipairs(m.languages) do
    local src = type(lang) == "string" and files["templates/" .. lang .. ".lua"]
    if not src then return nil end
    local ok, t = pcall(pack.load_data, src, "templates/" .. lang .. ".lua", limits)
    if not ok or type(t) ~= "table" then return nil end
    -- name = "text" entries; the loader reports any other
    templates[lang] = {}
    for k, v in pairs(t) do
      if type(k) == "string" and type(v) == "string" then templates[lang][k] = v end
    end
  end
  return m.languages, templates
end

-- Across languages: a template every language has, and in each language
-- the placeholders the others use. → number of missing templates
local function check_languages(dir, files, languages, templates, problem, warning)
  local function where(lang, name) return place(dir, files["templates/" .. lang .. ".lua"], lang, name) end
  local all = {}
  for _, lang in ipairs(languages) do
    for name in pairs(templates[lang]) do all[name] = true end
  end
  local missing = 0
  for _, name in ipairs(sorted_keys(all)) do
    local have, lack = {}, {}
    for _, lang in ipairs(languages) do
      if templates[lang][name] ~= nil then have[#have + 1] = lang else lack[#lack + 1] = lang end
    end
    for _, lang in ipairs(lack) do
      missing = missing + 1
      problem("%s/templates/%s.lua: template '%s' is missing (%s %s it)", dir, lang, name,
        table.concat(have, ", "), #have == 1 and "has" or "have")
    end
    -- placeholders, among the languages that have the template
    local uses, names = {}, {}
    for _, lang in ipairs(have) do
      local set = wording.placeholders(templates[lang][name]) or {}
      uses[lang] = set
      for k in pairs(set) do names[k] = true end
    end
    if #have > 1 then
      for _, k in ipairs(sorted_keys(names)) do
        local with, without = {}, {}
        for _, lang in ipairs(have) do
          if uses[lang][k] then with[#with + 1] = lang else without[#without + 1] = lang end
        end
        local list = table.concat(with, ", ")
        if #without == 1 then
          problem("%s: '%s' lacks {%s}, which %s %s", where(without[1], name), name, k, list,
            #with == 1 and "uses" or "all use")
        elseif #with == 1 then
          problem("%s: '%s' uses {%s}, which none of %s use", where(with[1], name), name, k,
            table.concat(without, ", "))
        else
          for _, lang in ipairs(without) do
            warning("%s: '%s' does not use {%s}, which %s do", where(lang, name), name, k, list)
          end
        end
      end
    end
  end
  return missing
end

-- Each template rendered in its own language with sample values.
local function check_rendered(dir, p, problem)
  for _, lang in ipairs(p.languages) do
    local src = p.files["templates/" .. lang .. ".lua"]
    local zh = (lang:match("^(%a+)") or "") == "zh"
    for _, name in ipairs(sorted_keys(p.templates[lang])) do
      local at_line = place(dir, src, lang, name)
      local parts = p.compiled[lang][name]
      local ok, text = pcall(wording.render_parts, parts, sample_vars(parts), { lang = lang, zone = "UTC" })
      if not ok then
        problem("%s: '%s' cannot be rendered with sample values: %s", at_line, name, tostring(text))
      else
        local twice, at, word = doubled(text)
        if word then
          problem("%s: '%s' renders %q twice: …%s…", at_line, name, twice, excerpt(text, at, 2 * #twice + 1))
        elseif twice then
          problem("%s: '%s' renders doubled punctuation %q: …%s…", at_line, name, twice, excerpt(text, at, #twice))
        end
      end
      local spacing, where = nil, nil
      if zh then spacing, where = chinese_spacing(parts) end
      if spacing then problem("%s: '%s': %s: …%s…", at_line, name, spacing, where) end
    end
  end
end

--- lint.check(dir) → problems, warnings (lists of "file:line: what"), and
-- the pack when it loads.
function M.check(dir)
  local problems, warnings = {}, {}
  local function problem(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end
  local function warning(fmt, ...) warnings[#warnings + 1] = string.format(fmt, ...) end
  local files = pack.read_dir(dir)
  local languages, templates = read_templates(files)
  local missing = languages and check_languages(dir, files, languages, templates, problem, warning) or 0
  local ok, p = pcall(pack.load, dir, config.defaults)
  if not ok then
    -- the loader stops at the first missing template; the list above has them all
    if not (missing > 0 and tostring(p):find("template '[^']*' is missing %(")) then problem("%s", p) end
    natural_sort(problems)
    return problems, warnings
  end
  check_rendered(dir, p, problem)
  for k, v in pairs(p.policy) do
    if type(k) == "string" and k:match("^on_") and not HANDLERS[k] then
      problem("%s/policy.lua: %s is not a handler (handlers: on_complaint, on_event, on_timer)", dir, k)
    elseif HANDLERS[k] and type(v) ~= "function" then
      problem("%s/policy.lua: %s must be a function", dir, k)
    end
  end
  local readme = io.open(dir .. "/README.md")
  if readme then readme:close() else problem("%s/README.md: missing (say what the pack decides and why)", dir) end
  natural_sort(problems)
  natural_sort(warnings)
  return problems, warnings, p
end

return M
