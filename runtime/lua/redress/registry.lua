--- The packs a daemon runs: the current version of each configured pack,
-- the routing rules that pick one for a new complaint, and the versions
-- cases are pinned to. Every version that decided anything is kept in the
-- store (packs database), so a pinned case is decided by its own version
-- even after the folder has moved on or the daemon restarted.
local json = require "redress.json"
local pack = require "redress.pack"
local store = require "redress.store"

local M = {}

--- Loads every pack the config names; raises on the first problem, so a
-- broken pack never replaces a working registry.
function M.load(cfg, config_path)
  local current, order = {}, {}
  for _, dir in ipairs(cfg.packs) do
    local p = pack.load(dir, cfg.limits, cfg.pack_settings, cfg.calendars, cfg.legal.overrides)
    if current[p.name] then error(dir .. ": a pack named " .. p.name .. " is already loaded", 0) end
    current[p.name] = p
    order[#order + 1] = p
  end
  for name in pairs(cfg.pack_settings) do
    if not current[name] then error(config_path .. ": pack_settings." .. name .. ": no loaded pack has that name", 0) end
  end
  for name in pairs(cfg.calendars) do
    if not current[name] then error(config_path .. ": calendars." .. name .. ": no loaded pack has that name", 0) end
  end
  local default = order[1]
  if cfg.default_pack then
    default = current[cfg.default_pack]
    if not default then error(config_path .. ": default_pack: no loaded pack is named " .. cfg.default_pack, 0) end
  end
  for i, r in ipairs(cfg.routes) do
    if not current[r.pack] then error(config_path .. ": routes[" .. i .. "].pack: no loaded pack is named " .. r.pack, 0) end
  end

  local reg = { cfg = cfg, current = current, order = order, default = default, versions = {} }
  for _, p in ipairs(order) do reg.versions[p.name .. "@" .. p.version] = p end

  --- The pack for a new complaint: the first route whose every field
  -- matches, else the default. Returns the pack and the rule's number.
  function reg.route(c)
    for i, r in ipairs(cfg.routes) do
      local match = true
      for k, set in pairs(r.when) do
        if not set[c[k] or ""] then match = false; break end
      end
      if match then return current[r.pack], i end
    end
    return default, nil
  end

  --- The pack that decides for an existing case: its pinned version, or the
  -- current one of the same name when the config says to migrate.
  function reg.for_case(case)
    local name, version = case.pack.name, case.pack.version
    if cfg.migrate_cases then return current[name] end
    local key = name .. "@" .. version
    local p = reg.versions[key]
    if p then return p end
    local stored = store.pack_get(name, version)
    if stored then
      p = pack.load_files(stored.files, "store:" .. key, cfg.limits, cfg.pack_settings, cfg.calendars, cfg.legal.overrides)
      reg.versions[key] = p
      return p
    end
    return nil
  end

  --- Writes the current packs into the store and the list GET /v1/packs
  -- shows. Returns warnings (a version whose files changed without a bump).
  function reg.sync()
    local warnings, list = {}, {}
    for _, p in ipairs(order) do
      local old = store.pack_get(p.name, p.version)
      if old and old.hash ~= p.hash then
        warnings[#warnings + 1] = string.format(
          "pack %s %s changed without a version bump; cases pinned to %s are now decided by the new files",
          p.name, p.version, p.version)
      end
      if not old or old.hash ~= p.hash then store.pack_put(p) end
      list[#list + 1] = { name = p.name, version = p.version, hash = p.hash, source = p.source,
        description = p.description, languages = p.languages, jurisdictions = json.array(p.jurisdictions),
        currency = p.currency, settings = p.settings, default = p == default,
        recurring = p.recurring or false, -- the recurring causes' setting in force (redress.learn)
        handlers = json.array((function()
          local hs = {}
          for _, h in ipairs { "on_complaint", "on_event", "on_timer" } do
            if p.policy[h] then hs[#hs + 1] = h end
          end
          return hs
        end)()) }
    end
    store.put_packs_list(json.encode { packs = json.array(list), migrate_cases = cfg.migrate_cases,
      routes = json.array((function()
        local rs = {}
        for i, r in ipairs(cfg.routes) do
          local when = {}
          for k, set in pairs(r.when) do
            local vals = {}
            for v in pairs(set) do vals[#vals + 1] = v end
            table.sort(vals)
            when[k] = vals
          end
          rs[i] = { when = when, pack = r.pack }
        end
        return rs
      end)()) })
    return warnings
  end

  return reg
end

return M
