--- Packs: loading a pack folder and running its handlers in the sandbox.
-- A pack is pack.lua (manifest), policy.lua (handlers) and
-- templates/<lang>.lua (wording); see README "Writing a pack".
local rd = require "rd"
local sandbox = require "redress.sandbox"
local act_mod = require "redress.act"

local M = {}

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function run_chunk(src, chunkname, env, limits)
  local chunk, err = sandbox.load(src, chunkname, env)
  if not chunk then error(err, 0) end
  local ok, v, kind = rd.sandbox_call(chunk, limits.policy_instructions, limits.policy_memory)
  if not ok then error(v .. (kind ~= "error" and (" [" .. kind .. "]") or ""), 0) end
  return v
end

local function load_data(dir, rel, limits)
  local src = read_file(dir .. "/" .. rel)
  if not src then return nil end
  local ok, v = rd.sandbox_call(function()
    local chunk, err = sandbox.load(src, rel, sandbox.env())
    if not chunk then error(err, 0) end
    return chunk()
  end, limits.policy_instructions, limits.policy_memory)
  if not ok then error(v, 0) end
  return v
end

--- Loads and validates the pack in dir. Raises "dir: what is wrong".
function M.load(dir, limits)
  local function fail(msg) error(dir .. ": " .. msg, 0) end
  local ok, manifest = pcall(load_data, dir, "pack.lua", limits)
  if not ok then fail(manifest) end
  if type(manifest) ~= "table" then fail("pack.lua is missing or does not return a table") end
  if type(manifest.name) ~= "string" or not manifest.name:match("^[%w_%-]+$") then
    fail("pack.lua: name must be letters, digits, - or _")
  end
  if type(manifest.version) ~= "string" or not manifest.version:match("^%d+%.%d+%.%d+") then
    fail("pack.lua: version must be a semantic version such as 1.0.0")
  end
  if type(manifest.languages) ~= "table" or #manifest.languages == 0 then
    fail("pack.lua: languages must list at least one language")
  end
  local templates = {}
  for _, lang in ipairs(manifest.languages) do
    local okt, t = pcall(load_data, dir, "templates/" .. lang .. ".lua", limits)
    if not okt then fail(t) end
    if type(t) ~= "table" then fail("templates/" .. lang .. ".lua is missing or does not return a table") end
    for k, v in pairs(t) do
      if type(k) ~= "string" or type(v) ~= "string" then
        fail("templates/" .. lang .. ".lua: every entry must be name = \"text\"")
      end
    end
    templates[lang] = t
  end

  local src = read_file(dir .. "/policy.lua")
  if not src then fail("policy.lua is missing") end
  local env = sandbox.env()
  local chunkname = manifest.name .. "/policy.lua"
  local okp, policy = pcall(run_chunk, src, chunkname, env, limits)
  if not okp then fail(policy) end
  if type(policy) ~= "table" then fail("policy.lua must return a table of handlers") end
  local handlers = 0
  for _, h in ipairs { "on_complaint", "on_event" } do
    if policy[h] ~= nil and type(policy[h]) ~= "function" then fail("policy.lua: " .. h .. " must be a function") end
    if policy[h] then handlers = handlers + 1 end
  end
  if not policy.on_complaint then fail("policy.lua must define on_complaint(case, act)") end

  return {
    name = manifest.name, version = manifest.version, dir = dir,
    languages = manifest.languages, currency = manifest.currency,
    manifest = manifest, templates = templates, policy = policy, limits = limits,
  }
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = deep_copy(x) end
  return c
end

--- Runs handler name of pack p with (case, [event], act) in the sandbox.
-- Returns actions, explanation or nil, message, kind.
function M.call(p, name, case, event)
  local fn = p.policy[name]
  local collector = act_mod.new(p, case)
  if not fn then
    collector.explain_auto("no_handler", "The pack has no " .. name .. " handler; nothing was decided.")
    return collector.result()
  end
  local view = deep_copy(case)
  local ok, err, kind
  if event then
    ok, err, kind = rd.sandbox_call(fn, p.limits.policy_instructions, p.limits.policy_memory,
      view, deep_copy(event), collector.act)
  else
    ok, err, kind = rd.sandbox_call(fn, p.limits.policy_instructions, p.limits.policy_memory,
      view, collector.act)
  end
  if not ok then return nil, err, kind end
  return collector.result()
end

return M
