-- redressd configuration (Lua). Relative paths are relative to the directory
-- redressd is started from. PORT and DATA_DIR come from the environment when set.
return {
  listen = "127.0.0.1:" .. (os.getenv("PORT") or "8080"),
  data_dir = os.getenv("DATA_DIR") or "./var",

  -- Pack folders to load; complaints go to the first route that matches,
  -- else to default_pack (the first when unset).
  packs = {
    "policies/retail", "policies/retail-eu", "policies/ecommerce-cn",
    "policies/airline-eu261", "policies/hospitality", "policies/telecom",
  },
  default_pack = "retail",
  routes = {
    { when = { brand = "demo-shop-eu" }, pack = "retail-eu" },
    { when = { brand = "demo-shop-cn" }, pack = "ecommerce-cn" },
    { when = { brand = "demo-air" }, pack = "airline-eu261" },
    { when = { brand = "demo-hotel" }, pack = "hospitality" },
    { when = { brand = "demo-telecom" }, pack = "telecom" },
  },

  limits = {
    -- max_body_bytes: larger bodies get 413 before they are read; 1 MiB by
    -- default, 256 KiB (and at most that) in cluster mode, so this file
    -- serves one node and a cluster's nodes alike
    max_batch = 256,                      -- requests per durable write transaction, at most
    map_size = 64 * 1024 * 1024,          -- initial LMDB map; it grows when full
    policy_instructions = 10000000,       -- per policy call
    policy_memory = 8 * 1024 * 1024,      -- bytes a policy call may add to its VM
    policy_wall_ms = 500,                 -- wall-clock safety net per policy call or pack load
  },

  log = { access = true },                -- a JSON line per answered request on stderr

  -- Bearer tokens and their roles: intake, agent, read, admin (admin may do everything).
  -- Replace these demo tokens before exposing the daemon beyond localhost.
  tokens = {
    ["demo-admin-token"] = { "admin" },
    ["demo-intake-token"] = { "intake" },
    ["demo-agent-token"] = { "agent" },
    ["demo-read-token"] = { "read" },
    ["demo-approver-token"] = { "approver" },   -- decides approvals (a manager)
  },
}
