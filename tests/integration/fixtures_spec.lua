-- Every fixture complaint in examples/complaints/<pack>/ gets a sensible
-- decision from `redress decide` under its pack (policies/<pack>, else
-- examples/<pack>): decided without a policy error, acknowledged in the
-- complaint's language, explained, and something done beyond the
-- acknowledgement. A pack that speaks all five languages has a fixture in
-- each. The packs' own specs assert the exact remedy of each fixture.
local root = os.getenv("REDRESS_ROOT") or "."
local cli = os.getenv("REDRESS_CLI") or (root .. "/build/redress")
local cjson = require "cjson"

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function ls(dir, pattern)
  local out = {}
  local p = io.popen("ls -1 " .. sh_quote(dir) .. " 2>/dev/null")
  for name in p:lines() do if name:match(pattern) then out[#out + 1] = name end end
  p:close()
  return out
end

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

local FIVE = { "en", "th", "fa", "zh", "ru" }
local DOES = { offer = true, request_approval = true, escalate = true, set = true, timer = true, message = true }

local folders = ls(root .. "/examples/complaints", "^[%w_%-]+$")

describe("examples/complaints", function()
  it("holds one folder per pack, and every built-in pack has one", function()
    assert.is_true(#folders >= 2)
    for _, name in ipairs(ls(root .. "/policies", "^[%w_%-]+$")) do
      assert.is_true(exists(root .. "/examples/complaints/" .. name), "no fixtures for policies/" .. name)
    end
  end)

  for _, folder in ipairs(folders) do
    local pack_dir = root .. "/policies/" .. folder
    if not exists(pack_dir .. "/pack.lua") then pack_dir = root .. "/examples/" .. folder end
    local files = ls(root .. "/examples/complaints/" .. folder, "%.json$")

    it(folder .. ": every fixture is decided sensibly", function()
      assert.is_true(exists(pack_dir .. "/pack.lua"), folder .. ": no pack of that name")
      assert.is_true(#files > 0)
      local langs = {}
      for _, file in ipairs(files) do
        local path = root .. "/examples/complaints/" .. folder .. "/" .. file
        local p = io.popen(sh_quote(cli) .. " decide --pack " .. sh_quote(pack_dir) .. " " .. sh_quote(path) ..
          " --at 2026-11-20T10:00:00Z 2>&1")
        local out = p:read("a")
        local ok = p:close()
        assert.is_true(ok, file .. ": " .. out)
        local res = cjson.decode(out)
        local d = res.decision
        assert.equal("decided", d.outcome, file)
        local lang = res.case.language:match("^(%a+)")
        langs[lang] = true
        local ack, does = nil, false
        for _, a in ipairs(d.actions) do
          if a.type == "acknowledge" then ack = a end
          does = does or DOES[a.type] or false
        end
        assert.is_table(ack, file .. ": not acknowledged")
        assert.equal(lang, ack.language, file .. ": acknowledged in another language")
        assert.is_true(#d.explanation > 0, file .. ": not explained")
        assert.is_true(does, file .. ": nothing decided beyond the acknowledgement")
      end
      local f = assert(io.open(pack_dir .. "/pack.lua"))
      local manifest = f:read("a")
      f:close()
      local all_five = true
      for _, l in ipairs(FIVE) do all_five = all_five and manifest:find('"' .. l .. '"', 1, true) ~= nil end
      if all_five then
        for _, l in ipairs(FIVE) do assert.is_true(langs[l] == true, folder .. ": no fixture in " .. l) end
      end
    end)
  end

  -- README "One complaint, two packs"
  it("retail-eu refunds a withdrawal that retail investigates and the engine flags", function()
    local function decide(pack)
      local p = io.popen(sh_quote(cli) .. " decide --pack " .. sh_quote(root .. "/policies/" .. pack) .. " " ..
        sh_quote(root .. "/examples/complaints/retail/withdrawal-en.json") .. " --at 2026-11-20T10:00:00Z")
      local r = cjson.decode(p:read("a"))
      p:close()
      local codes = {}
      for _, e in ipairs(r.decision.explanation) do codes[e.code] = true end
      return r, codes
    end
    local r, codes = decide("retail")
    assert.equal("investigating", r.case.status)
    assert.is_true(codes["legal.withheld"])
    assert.same({ "legal-risk" }, r.case.tags)
    r, codes = decide("retail-eu")
    assert.equal("refund", r.case.offers[1].kind)
    assert.equal(12990, r.case.offers[1].amount)
    assert.is_true(codes.withdrawal_refund)
    assert.is_nil(codes["legal.withheld"])
  end)
end)
