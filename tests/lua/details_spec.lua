-- Industry facts on a complaint (`details`) checked against the deciding
-- pack's schema, and a pack's own Lua modules.
local validate = require "redress.validate"
local pack = require "redress.pack"
local config = require "redress.config"
local json = require "redress.json"

local SCHEMA = {
  from = { type = "string", required = true, max_len = 3, doc = "IATA code" },
  kind = { type = "string", one_of = { "delay", "cancellation" } },
  delay_minutes = { type = "integer", min = 0 },
  ratio = { type = "number", min = 0, max = 1 },
  rerouted = { type = "boolean" },
  departed = { type = "time" },
}

local function refused(d, field, pattern)
  local v, err = validate.details(d, SCHEMA, "air")
  assert.is_nil(v)
  assert.equal(422, err.status)
  assert.equal("validation_failed", err.code)
  assert.equal(field, err.field)
  if pattern then assert.matches(pattern, err.message) end
end

describe("validate.details", function()
  it("keeps valid details and turns integral floats into integers", function()
    local d = assert(validate.details({ from = "LHR", kind = "delay", delay_minutes = 185.0, ratio = 0.5,
      rerouted = false, departed = "2026-11-20T10:00:00Z" }, SCHEMA, "air"))
    assert.equal(185, d.delay_minutes)
    assert.equal("integer", math.type(d.delay_minutes))
    assert.is_false(d.rerouted)
    assert.equal("2026-11-20T10:00:00Z", d.departed)
  end)

  it("treats a JSON null as absent", function()
    local d = assert(validate.details({ from = "AMS", kind = json.null }, SCHEMA, "air"))
    assert.is_nil(d.kind)
  end)

  it("names each wrong detail", function()
    refused({}, "details.from", "required by the pack air")
    refused({ from = "LHR", surprise = 1 }, "details.surprise", "is not a detail the pack air takes; it takes: delay_minutes, departed, from")
    refused({ from = 3 }, "details.from", "must be a string")
    refused({ from = "LHRX" }, "details.from", "longer than 3")
    refused({ from = "LHR", kind = "strike" }, "details.kind", "one of: delay, cancellation")
    refused({ from = "LHR", delay_minutes = 1.5 }, "details.delay_minutes", "integer")
    refused({ from = "LHR", delay_minutes = -1 }, "details.delay_minutes", "at least 0")
    refused({ from = "LHR", ratio = 1.01 }, "details.ratio", "at most 1")
    refused({ from = "LHR", ratio = "x" }, "details.ratio", "must be a number")
    refused({ from = "LHR", rerouted = "yes" }, "details.rerouted", "must be a boolean")
    refused({ from = "LHR", departed = "yesterday" }, "details.departed")
  end)

  it("refuses every detail when the pack takes none", function()
    local v, err = validate.details({ x = 1 }, nil, "retail")
    assert.is_nil(v)
    assert.matches("it takes no details", err.message)
    assert.same({}, validate.details(nil, nil, "retail"))
  end)

  it("refuses details that are not an object", function()
    local _, err = validate.complaint { customer = { id = "c" }, channel = "email", category = "x",
      description = "y", details = { 1, 2 } }
    assert.equal("details", err.field)
  end)
end)

describe("validate.details_schema", function()
  it("accepts the documented keys and names the first wrong one", function()
    assert.is_nil(validate.details_schema(SCHEMA))
    assert.matches("details.a: type must be one of boolean, integer, number, string, time",
      validate.details_schema { a = { type = "date" } })
    assert.matches("details.a: unknown key pattern", validate.details_schema { a = { type = "string", pattern = "x" } })
    assert.matches("details.a.min is a number, for integer and number fields",
      validate.details_schema { a = { type = "string", min = 1 } })
    assert.matches("details.a.one_of lists strings", validate.details_schema { a = { type = "string", one_of = {} } })
    assert.matches("details.a.max_len", validate.details_schema { a = { type = "integer", max_len = 2 } })
    assert.matches("details.1", validate.details_schema { { type = "string" } })
  end)
end)

local function files(over)
  local f = {
    ["pack.lua"] = 'return { name = "m", version = "1.0.0", languages = { "en" }, modules = { "airports", "bands" } }',
    ["policy.lua"] = 'local a = require "airports"\nlocal P = {}\nfunction P.on_complaint(case, act) act:explain("d", tostring(a.lhr)) end\nreturn P',
    ["templates/en.lua"] = 'return { ack = "Thanks" }',
    ["modules/airports.lua"] = 'local b = require "bands"\nreturn { lhr = b.scale * 51 }',
    ["modules/bands.lua"] = 'return { scale = 2 }',
  }
  for k, v in pairs(over or {}) do f[k] = v or nil end
  return f
end

describe("pack modules", function()
  it("loads a pack's own modules on require, in its sandbox", function()
    local p = pack.load_files(files(), "m", config.defaults)
    local _, expl = pack.call(p, "on_complaint", { id = "C1", language = "en", customer = {}, offers = {} })
    assert.equal("102", expl[1].text)
    assert.truthy(p.files["modules/airports.lua"])
  end)

  it("refuses a listed module whose file is missing", function()
    local ok, err = pcall(pack.load_files, files { ["modules/bands.lua"] = false }, "m", config.defaults)
    assert.is_false(ok)
    assert.matches("modules/bands.lua is missing", err)
  end)

  it("reports a require cycle instead of looping", function()
    local ok, err = pcall(pack.load_files, files { ["modules/bands.lua"] = 'require "airports" return {}' }, "m",
      config.defaults)
    assert.is_false(ok)
    assert.matches("requires itself", err)
  end)

  it("keeps modules in the sandbox: no io, undeclared globals are errors", function()
    local ok, err = pcall(pack.load_files, files { ["modules/bands.lua"] = 'return { scale = io.open }' }, "m",
      config.defaults)
    assert.is_false(ok)
    assert.matches("undeclared global 'io'", err)
  end)

  it("refuses bad module names", function()
    local ok, err = pcall(pack.load_files, files { ["pack.lua"] =
      'return { name = "m", version = "1.0.0", languages = { "en" }, modules = { "redress_x" } }' }, "m",
      config.defaults)
    assert.is_false(ok)
    assert.matches("not start with redress", err)
  end)
end)
