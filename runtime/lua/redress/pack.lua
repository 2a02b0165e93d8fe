--- Packs: loading a pack and running its handlers in the sandbox.
-- A pack is pack.lua (manifest), policy.lua (handlers) and
-- templates/<lang>.lua (wording); see README "Writing a pack". A pack is
-- loaded from its folder or from the copy the store keeps of every version
-- the daemon has run (so a case pinned to an old version can still be
-- decided after the folder moved on).
local rd = require "rd"
local sandbox = require "redress.sandbox"
local act_mod = require "redress.act"
local calendar = require "redress.calendar"
local duration = require "redress.duration"
local learn = require "redress.learn"
local wording = require "redress.wording"
local money = require "redress.money"
local time = require "redress.time"
local validate = require "redress.validate"
local config = require "redress.config"

local M = {}

--- The engine API version this runtime implements; packs list the ones
-- they support in pack.lua `engine`.
M.ENGINE_API = "1"

M.HANDLERS = { on_complaint = true, on_event = true, on_timer = true }

--- redress.legal as a pack sees it: the base rules with the installation's
-- overrides (config legal.overrides); also what the engine checks with.
function M.legal_module(overrides)
  local legal = require "redress.legal"
  if not overrides or next(overrides) == nil then return legal end
  local law = legal.new { overrides = overrides }
  return setmetatable({
    remedies = function(case, opts) return law:remedies(case, opts) end,
    minimum = function(case, opts) return law:minimum(case, opts) end,
  }, { __index = legal })
end

-- SLA clocks and read-only store queries, offered to policies as
-- require "redress.sla" / "redress.query".
M.sla = require "redress.sla"
M.query = require "redress.query"

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

--- pack.load_data(src, chunkname, limits) → what a data chunk (pack.lua, a
-- template file) returns, run in an empty sandbox; raises its error. What
-- it returns must be plain data (rd.is_plain: no functions, no metatables,
-- keys that are strings, numbers or booleans), so no code of the pack runs
-- when the engine reads it later, outside the load's budget or inside an
-- act method without the count hook.
function M.load_data(src, chunkname, limits)
  local ok, v = rd.sandbox_call(function()
    local chunk, err = sandbox.load(src, chunkname, sandbox.env())
    if not chunk then error(err, 0) end
    return chunk()
  end, limits)
  if not ok then error(v, 0) end
  if not rd.is_plain(v) then
    error(chunkname .. " must return data: strings, numbers, booleans and tables of them (no functions, no metatables)", 0)
  end
  return v
end
local load_data = M.load_data

local function is_list_of_strings(t)
  if type(t) ~= "table" then return false end
  for k, v in pairs(t) do
    if math.type(k) ~= "integer" or type(v) ~= "string" then return false end
  end
  return true
end

--- The fields a pack.lua may have.
M.MANIFEST_KEYS = { "name", "version", "description", "languages", "engine", "jurisdictions", "currency",
  "details", "events", "modules", "settings", "calendar", "template_vars", "recurring" }

-- The line of pack.lua that sets the keys of path in turn ({ "events",
-- "a.b", "fields", "n" }), or of as many of them as are found; nil: none.
local function line_of_path(src, path)
  local line
  for _, k in ipairs(path) do
    local l = config.line_of(src, tostring(k), line)
    if not l then break end
    line = l
  end
  return line
end

local function check_manifest(m, fail, src)
  if type(m) ~= "table" then fail("pack.lua is missing or does not return a table") end
  -- a schema's problem at the line of pack.lua that holds it
  local function fail_at(why, path)
    local line = line_of_path(src or "", path)
    fail("pack.lua" .. (line and (":" .. line) or "") .. ": " .. why)
  end
  local known = {}
  for _, k in ipairs(M.MANIFEST_KEYS) do known[k] = true end
  local unknown = {}
  for k in pairs(m) do if not known[k] then unknown[#unknown + 1] = tostring(k) end end
  table.sort(unknown)
  if unknown[1] then
    local k = unknown[1]
    fail_at(k .. ": unknown field" .. config.suggest(k, M.MANIFEST_KEYS), { k })
  end
  if type(m.name) ~= "string" or not m.name:match("^[%w_%-]+$") then
    fail("pack.lua: name must be letters, digits, - or _")
  end
  if type(m.version) ~= "string" or not m.version:match("^%d+%.%d+%.%d+[%w%.%-+]*$") then
    fail("pack.lua: version must be a semantic version such as 1.0.0")
  end
  if not is_list_of_strings(m.languages) or #m.languages == 0 then
    fail("pack.lua: languages must list at least one language, e.g. { \"en\", \"th\" }")
  end
  local engine = m.engine or M.ENGINE_API
  if type(engine) == "string" then engine = { engine } end
  if not is_list_of_strings(engine) then fail("pack.lua: engine must list the engine API versions the pack supports") end
  local supported = false
  for _, v in ipairs(engine) do if v == M.ENGINE_API then supported = true end end
  if not supported then
    fail("pack.lua: engine: the pack supports engine API " .. table.concat(engine, ", ") ..
      "; this redress implements " .. M.ENGINE_API)
  end
  if m.jurisdictions ~= nil and not is_list_of_strings(m.jurisdictions) then
    fail("pack.lua: jurisdictions must be a list of codes such as \"EU\"")
  end
  if m.currency ~= nil and (type(m.currency) ~= "string" or not m.currency:match("^%u%u%u$")) then
    fail("pack.lua: currency must be an ISO 4217 code such as EUR")
  end
  if m.details ~= nil then
    local why, path = validate.details_schema(m.details)
    if why then fail_at(why, path) end
  end
  -- the pack's own event types: POST /v1/cases/{id}/events takes them for
  -- the cases this version decides, their data checked as details are
  if m.events ~= nil then
    local why, path = validate.events_schema(m.events)
    if why then fail_at(why, path) end
  end
  if m.modules ~= nil then
    if not is_list_of_strings(m.modules) then fail("pack.lua: modules must list module names, e.g. { \"airports\" }") end
    for _, name in ipairs(m.modules) do
      if not name:match("^[%a_][%w_]*$") or name:match("^redress") then
        fail("pack.lua: modules: " .. name .. " must be letters, digits and _ (and not start with redress)")
      end
    end
  end
  if m.settings ~= nil and type(m.settings) ~= "table" then fail("pack.lua: settings must be a table") end
  for k, v in pairs(m.settings or {}) do
    local t = type(v)
    if type(k) ~= "string" or (t ~= "string" and t ~= "number" and t ~= "boolean") then
      fail("pack.lua: settings." .. tostring(k) .. " must default to a string, number or boolean")
    end
  end
end

-- The pack's settings: manifest defaults, then the operator's overrides.
local function merge_settings(m, overrides, fail)
  local s = {}
  for k, v in pairs(m.settings or {}) do s[k] = v end
  for k, v in pairs(overrides or {}) do
    if k == "recurring" then goto continue end -- the recurring causes' setting (redress.learn)
    if s[k] == nil then
      fail("config pack_settings." .. m.name .. "." .. tostring(k) .. ": the pack has no such setting")
    end
    if type(v) ~= type(s[k]) then
      fail("config pack_settings." .. m.name .. "." .. k .. ": must be a " .. type(s[k]))
    end
    s[k] = v
    ::continue::
  end
  return s
end

local readonly = sandbox.readonly

-- A calendar spec from pack.lua or the config: holidays may name regions
-- ("GB-ENG") among the dates and rules.
local function make_calendar(spec, where, fail)
  spec = spec or { zone = "UTC" }
  if type(spec) ~= "table" then fail(where .. ": calendar must be a table { zone, hours, holidays }") end
  local holidays = {}
  local hs = spec.holidays
  if type(hs) == "string" then hs = { hs } end
  for _, h in ipairs(hs or {}) do
    if type(h) == "string" and not h:match("^%d%d%d%d%-%d%d%-%d%d$") then
      local ok, region = pcall(calendar.holidays, h)
      if not ok then fail(where .. ": calendar: " .. tostring(region):gsub("^.-: ", "")) end
      for _, r in ipairs(region) do holidays[#holidays + 1] = r end
    else
      holidays[#holidays + 1] = h
    end
  end
  local ok, cal = pcall(calendar.new, { zone = spec.zone, hours = spec.hours, holidays = holidays })
  if not ok then fail(where .. ": " .. tostring(cal):gsub("^[^:]*calendar%.lua:%d+: ", "")) end
  return cal
end

-- files: relative path → text. Returns the pack table. all_overrides:
-- config pack_settings; calendars: config calendars (pack name → spec).
local function build(files, label, limits, all_overrides, calendars, legal_overrides)
  local function fail(msg) error(label .. ": " .. msg, 0) end
  local src = files["pack.lua"]
  if not src then fail("pack.lua is missing") end
  local ok, m = pcall(load_data, src, "pack.lua", limits)
  if not ok then fail(m) end
  check_manifest(m, fail, src)
  local settings = merge_settings(m, all_overrides and all_overrides[m.name], fail)
  local recurring = learn.config(m.recurring, all_overrides and all_overrides[m.name] and
    all_overrides[m.name].recurring, m.details, fail)
  local cal_spec, cal_where = m.calendar, "pack.lua"
  if calendars and calendars[m.name] then cal_spec, cal_where = calendars[m.name], "config calendars." .. m.name end
  local cal = make_calendar(cal_spec, cal_where, fail)

  -- Every template is checked now, never in front of a customer: syntax,
  -- placeholders (standard or declared in template_vars), and presence in
  -- every declared language.
  local known = {}
  for k in pairs(act_mod.STANDARD_VARS) do known[k] = true end
  if m.template_vars ~= nil and not is_list_of_strings(m.template_vars) then
    fail("pack.lua: template_vars must list the placeholder names policies pass in vars")
  end
  for _, k in ipairs(m.template_vars or {}) do known[k] = true end
  local templates, compiled = {}, {}
  for _, lang in ipairs(m.languages) do
    local rel = "templates/" .. lang .. ".lua"
    if not files[rel] then fail(rel .. " is missing (pack.lua lists " .. lang .. ")") end
    local okt, t = pcall(load_data, files[rel], m.name .. "/" .. rel, limits)
    if not okt then fail(t) end
    if type(t) ~= "table" then fail(rel .. " must return a table of templates") end
    compiled[lang] = {}
    for k, v in pairs(t) do
      if type(k) ~= "string" or type(v) ~= "string" then fail(rel .. ": every entry must be name = \"text\"") end
      local parts, perr = wording.parse(v)
      if not parts then fail(rel .. ": template '" .. k .. "': " .. perr) end
      compiled[lang][k] = parts
      for _, ph in ipairs(parts) do
        ph = type(ph) == "table" and ph.name
        if ph and not known[ph] then
          fail(rel .. ": template '" .. k .. "' uses {" .. ph .. "}, which is neither a standard placeholder " ..
            "(name, case_id, category, order_id) nor listed in pack.lua template_vars")
        end
      end
    end
    templates[lang] = t
  end
  local first = m.languages[1]
  for _, lang in ipairs(m.languages) do
    for name in pairs(templates[first]) do
      if templates[lang][name] == nil then
        fail("templates/" .. lang .. ".lua: template '" .. name .. "' is missing (templates/" .. first .. ".lua has it)")
      end
    end
  end

  if not files["policy.lua"] then fail("policy.lua is missing") end
  local cal_module = setmetatable({ pack = cal }, { __index = calendar })
  -- The pack's own modules (pack.lua `modules`, files modules/<name>.lua):
  -- run once, on first require, in the pack's sandbox and budget.
  local env
  local own, loaded, loading = {}, {}, {}
  for _, name in ipairs(m.modules or {}) do
    local rel = "modules/" .. name .. ".lua"
    if not files[rel] then fail(rel .. " is missing (pack.lua lists the module " .. name .. ")") end
    own[name] = rel
  end
  local modules = setmetatable({
    ["redress.time"] = readonly({ parse = time.parse, format = time.format }, "redress.time"),
    ["redress.settings"] = readonly(settings, "settings"),
    ["redress.query"] = readonly(M.query, "redress.query"),
    ["redress.calendar"] = readonly(cal_module, "redress.calendar"),
    ["redress.duration"] = readonly(duration, "redress.duration"),
    ["redress.sla"] = readonly(M.sla, "redress.sla"),
    ["redress.money"] = readonly(money, "redress.money"),
    ["redress.wording"] = readonly(wording, "redress.wording"),
    ["redress.legal"] = readonly(M.legal_module(legal_overrides), "redress.legal"),
    ["redress.legal_calendar"] = readonly(require "redress.legal_calendar", "redress.legal_calendar"),
    ["redress.compensation"] = readonly(require "redress.compensation", "redress.compensation"),
    ["redress.escalation"] = readonly(require "redress.escalation", "redress.escalation"),
  }, { __index = function(t, name)
    local rel = own[name]
    if not rel then return nil end
    if loaded[name] == nil then
      if loading[name] then error("module '" .. name .. "' requires itself (a require cycle)", 3) end
      local chunk, cerr = sandbox.load(files[rel], m.name .. "/" .. rel, env)
      if not chunk then error(cerr, 0) end
      loading[name] = true
      local okm, v = pcall(chunk)
      loading[name] = nil
      if not okm then error(v, 0) end
      loaded[name] = v == nil and true or v
    end
    return loaded[name]
  end })
  env = sandbox.env(modules)
  local chunk, cerr = sandbox.load(files["policy.lua"], m.name .. "/policy.lua", env)
  if not chunk then fail(cerr) end
  -- policy.lua, then every module it did not require yet: all of a pack's
  -- code runs now, inside the load's budgets, never first in a decision
  local okp, policy, kind = rd.sandbox_call(function()
    local pol = chunk()
    for _, name in ipairs(m.modules or {}) do local _ = modules[name] end
    return pol
  end, limits)
  if not okp then fail(policy .. (kind ~= "error" and (" [" .. kind .. "]") or "")) end
  if type(policy) ~= "table" then fail("policy.lua must return a table of handlers") end
  for h in pairs(M.HANDLERS) do
    if rawget(policy, h) ~= nil and type(rawget(policy, h)) ~= "function" then fail("policy.lua: " .. h .. " must be a function") end
  end
  if type(rawget(policy, "on_complaint")) ~= "function" then fail("policy.lua must define on_complaint(case, act)") end
  -- Nothing a decision does may outlive it: what the pack's code built while
  -- loading is frozen now, and its upvalues are put back after every call.
  local roots = sandbox.libraries(env)
  roots[#roots + 1] = policy
  for _, name in ipairs(m.modules or {}) do roots[#roots + 1] = loaded[name] end
  local prefix = "@" .. m.name .. "/"
  local restore = sandbox.freeze(roots, function(source) return source:sub(1, #prefix) == prefix end)

  local names = {}
  for k in pairs(files) do names[#names + 1] = k end
  table.sort(names)
  local parts = {}
  for _, k in ipairs(names) do parts[#parts + 1] = k .. "\0" .. files[k] end

  return {
    name = m.name, version = m.version, description = m.description,
    languages = m.languages, jurisdictions = m.jurisdictions or {}, currency = m.currency,
    details = m.details, events = m.events, settings = settings, manifest = m, templates = templates, compiled = compiled, policy = policy, restore = restore,
    limits = limits, calendar = cal, recurring = recurring,
    legal = M.legal_module(legal_overrides),
    files = files, hash = rd.sha256(table.concat(parts, "\0")):sub(1, 16), source = label,
  }
end

--- Reads a pack folder's files: pack.lua, policy.lua, templates/<lang>.lua,
-- modules/<name>.lua.
function M.read_dir(dir)
  local files = {}
  files["pack.lua"] = read_file(dir .. "/pack.lua")
  files["policy.lua"] = read_file(dir .. "/policy.lua")
  if files["pack.lua"] then
    local ok, m = pcall(load_data, files["pack.lua"], "pack.lua", { policy_instructions = 1e6, policy_memory = 1 << 24 })
    if not ok or type(m) ~= "table" then m = {} end
    -- the files the manifest names: templates per language, modules
    local function listed(list, folder, pattern)
      if type(list) ~= "table" then return end
      for _, name in ipairs(list) do
        if type(name) == "string" and name:match(pattern) then
          local rel = folder .. "/" .. name .. ".lua"
          files[rel] = read_file(dir .. "/" .. rel)
        end
      end
    end
    listed(m.languages, "templates", "^[%w_%-]+$")
    listed(m.modules, "modules", "^[%a_][%w_]*$")
  end
  return files
end

--- Loads and validates the pack in dir; overrides: config pack_settings
-- (pack name → settings). Raises "dir: what is wrong".
function M.load(dir, limits, overrides, calendars, legal_overrides)
  return build(M.read_dir(dir), dir, limits, overrides, calendars, legal_overrides)
end

--- Loads a pack from its files (as kept in the store).
function M.load_files(files, label, limits, overrides, calendars, legal_overrides)
  return build(files, label, limits, overrides, calendars, legal_overrides)
end

-- A deep copy of a case, an event (without metatables): rd.copy, in C.
local deep_copy = rd.copy
M.deep_copy = deep_copy

--- Runs handler name of pack p with (case, [event], act) in the sandbox.
-- view: the case as the policy sees it (a copy the policy may change).
-- Returns actions, explanation or nil, message, kind.
function M.call(p, name, case, event, view)
  local fn = p.policy[name]
  view = view or deep_copy(case)
  local collector = act_mod.new(p, case, view.now)
  if not fn then
    collector:explain_auto("no_handler", "The pack has no " .. name .. " handler; nothing was decided.")
    return collector:result()
  end
  local ok, err, kind
  if event then
    ok, err, kind = rd.sandbox_call(fn, p.limits, view, deep_copy(event), collector.act)
  else
    ok, err, kind = rd.sandbox_call(fn, p.limits, view, collector.act)
  end
  p.restore()
  if not ok then return nil, err, kind end
  return collector:result()
end

return M
