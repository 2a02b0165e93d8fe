-- The `redress` command-line tool: its command line (lua-argparse: --help,
-- usage errors), decide, pack lint/test, check-config.
local root = os.getenv("REDRESS_ROOT") or "."
local cli = os.getenv("REDRESS_CLI") or (root .. "/build/redress")
local cjson = require "cjson"

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs redress with args; returns exit code, stdout, stderr.
local function run(...)
  local args = {}
  for i, a in ipairs { ... } do args[i] = sh_quote(a) end
  local tmp = os.tmpname()
  local p = io.popen(sh_quote(cli) .. " " .. table.concat(args, " ") .. " 2>" .. tmp)
  local out = p:read("a")
  local _, _, code = p:close()
  local f = io.open(tmp)
  local err = f:read("a")
  f:close()
  os.remove(tmp)
  return code, out, err
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local tmp
setup(function()
  local p = io.popen("mktemp -d /tmp/redress-cli.XXXXXX")
  tmp = p:read("l")
  p:close()
end)
teardown(function() os.execute("rm -rf " .. sh_quote(tmp)) end)

describe("redress decide", function()
  it("decides a complaint offline at the given time", function()
    write(tmp .. "/c.json", cjson.encode { customer = { id = "c1", name = "Wei" }, channel = "web",
      language = "zh", category = "missing", description = "包裹丢失了",
      order = { id = "X1", amount = 8900, currency = "CNY" } })
    local code, out = run("decide", "--pack", root .. "/policies/retail", tmp .. "/c.json", "--at", "2026-11-20T10:00:00Z")
    assert.equal(0, code)
    local r = cjson.decode(out)
    assert.equal("decided", r.decision.outcome)
    assert.equal("2026-11-20T10:00:00.000Z", r.decision.at)
    assert.equal("zh", r.decision.actions[1].language)
    assert.equal("refund", r.case.offers[1].kind)
    assert.equal(8900, r.case.offers[1].amount)
    assert.is_table(r.decision.trace)
    assert.matches("Offered a refund of 89.00 CNY %(O1%)", table.concat(r.decision.trace, " "))
  end)

  it("holds a large refund for a manager, as the pack says", function()
    write(tmp .. "/big.json", cjson.encode { customer = { id = "c2" }, channel = "web", category = "missing",
      description = "lost", order = { id = "X2", amount = 25000, currency = "EUR" } })
    local code, out = run("decide", "--pack", root .. "/policies/retail", tmp .. "/big.json")
    assert.equal(0, code)
    local r = cjson.decode(out)
    assert.equal(0, #r.case.offers)
    assert.equal("pending", r.case.approvals[1].status)
    assert.equal(25000, r.case.approvals[1].offer.amount)
  end)

  it("gives the policy the same view shape as the daemon: an empty customer summary, no history", function()
    local code, out = run("decide", "--pack", root .. "/tests/fixtures/packs/view", tmp .. "/c.json")
    assert.equal(0, code, out)
    assert.equal("30d=0 90d=0 365d=0 open=0 eur=0 history=0 decisions=0 zone=Europe/Berlin",
      cjson.decode(out).decision.explanation[1].text)
  end)

  it("gives the same decision for the same input and time", function()
    local _, a = run("decide", "--pack", root .. "/policies/retail", tmp .. "/c.json", "--at", "2026-11-20T10:00:00Z")
    local _, b = run("decide", "--pack", root .. "/policies/retail", tmp .. "/c.json", "--at", "2026-11-20T10:00:00Z")
    assert.same(cjson.decode(a), cjson.decode(b))
  end)

  it("names the file and field of a bad complaint", function()
    write(tmp .. "/bad.json", '{"customer":{"id":"c1"},"channel":"pigeon","category":"x","description":"y"}')
    local code, _, err = run("decide", "--pack", root .. "/policies/retail", tmp .. "/bad.json")
    assert.equal(1, code)
    assert.matches("bad.json: channel: channel must be one of", err)
  end)

  it("refuses a bad --at and a missing --pack", function()
    assert.equal(2, (run("decide", "--pack", root .. "/policies/retail", tmp .. "/c.json", "--at", "tomorrow")))
    assert.equal(2, (run("decide", tmp .. "/c.json")))
  end)
end)

describe("redress pack lint", function()
  local function pack(dir, files)
    os.execute("mkdir -p " .. sh_quote(dir .. "/templates"))
    for name, text in pairs(files) do write(dir .. "/" .. name, text) end
  end

  it("passes the built-in pack", function()
    local code, out = run("pack", "lint", root .. "/policies/retail")
    assert.equal(0, code)
    assert.matches("pack retail .*: ok", out)
  end)

  it("refuses at load a template that is missing or uses an unknown placeholder", function()
    local dir = tmp .. "/broken"
    pack(dir, {
      ["pack.lua"] = 'return { name = "broken", version = "1.0.0", languages = { "en", "th" } }',
      ["policy.lua"] = 'return { on_complaint = function() end }',
      ["templates/en.lua"] = 'return { ack = "Hi {name}", bye = "Bye" }',
      ["templates/th.lua"] = 'return { ack = "สวัสดี {nmae}", bye = "ลาก่อน" }',
      ["README.md"] = "x",
    })
    local code, _, err = run("pack", "lint", dir)
    assert.equal(1, code)
    assert.matches("templates/th.lua: template 'ack' uses {nmae}, which is neither a standard placeholder", err)
    write(dir .. "/templates/th.lua", 'return { ack = "สวัสดี {name}" }')
    code, _, err = run("pack", "lint", dir)
    assert.equal(1, code)
    assert.matches("templates/th.lua: template 'bye' is missing", err)
  end)

  it("lists the problems lint finds beyond loading, with their files", function()
    local dir = tmp .. "/sloppy"
    pack(dir, {
      ["pack.lua"] = 'return { name = "sloppy", version = "1.0.0", languages = { "en", "th" }, template_vars = { "amount" } }',
      ["policy.lua"] = 'return { on_complaint = function() end, on_complain = function() end }',
      ["templates/en.lua"] = 'return { ack = "Hi {name}, here is {amount:money}" }',
      ["templates/th.lua"] = 'return { ack = "สวัสดี" }',
    })
    local code, _, err = run("pack", "lint", dir)
    assert.equal(1, code)
    assert.matches("policy.lua: on_complain is not a handler", err)
    assert.matches("README.md: missing", err)
    -- with two languages, a placeholder one lacks is a problem, named once, where it is missing
    assert.matches("sloppy/templates/th.lua:1: 'ack' lacks {name}, which en uses", err, 1, true)
    assert.matches("sloppy/templates/th.lua:1: 'ack' lacks {amount}, which en uses", err, 1, true)
    assert.is_nil(err:find("templates/en.lua", 1, true))
  end)

  it("renders every template in its language and finds doubled punctuation", function()
    local dir = tmp .. "/punct"
    pack(dir, {
      ["pack.lua"] = 'return { name = "punct", version = "1.0.0", languages = { "en", "ru" }, template_vars = { "due" } }',
      ["policy.lua"] = 'return { on_complaint = function() end }',
      ["templates/en.lua"] = 'return { ack = "We will answer by {due:date}. Thanks... really." }',
      -- a Russian date ends in "г.": a full stop after it prints "г.."
      ["templates/ru.lua"] = 'return { ack = "Мы ответим до {due:date}." }',
      ["README.md"] = "x",
    })
    local code, _, err = run("pack", "lint", dir)
    assert.equal(1, code)
    assert.matches("templates/ru.lua:1: 'ack' renders doubled punctuation \"%.%.\"", err)
    assert.matches("г%.%.…", err) -- the excerpt shows where
    assert.is_nil(err:find("templates/en.lua", 1, true)) -- an ellipsis is not a doubled full stop
    write(dir .. "/templates/ru.lua", 'return { ack = "До {due:date} мы вам ответим." }')
    code = run("pack", "lint", dir)
    assert.equal(0, code)
  end)

  it("reports a syntax error with file:line", function()
    local dir = tmp .. "/syntax"
    pack(dir, {
      ["pack.lua"] = 'return { name = "syntax", version = "1.0.0", languages = { "en" } }',
      ["policy.lua"] = 'local P = {}\nfunction P.on_complaint(case, act)\n  act:acknowledge{ template = "ack" \nend\nreturn P',
      ["templates/en.lua"] = 'return { ack = "Hi" }',
      ["README.md"] = "x",
    })
    local code, _, err = run("pack", "lint", dir)
    assert.equal(1, code)
    assert.matches("syntax/policy.lua:%d+:", err)
  end)
end)

describe("redress check-config", function()
  it("refuses an unknown key with its file and line, and suggests the one meant", function()
    write(tmp .. "/typo.conf.lua", 'return {\n  data_dir = "/tmp/x",\n  packs = { "p" },\n  pack_setings = {},\n}\n')
    local code, _, err = run("check-config", tmp .. "/typo.conf.lua")
    assert.equal(1, code)
    assert.matches("typo.conf.lua:4: pack_setings: unknown key %(did you mean pack_settings%?%)", err)
  end)

  it("refuses an unknown pack.lua field with its line", function()
    local dir = tmp .. "/typo-pack"
    os.execute("mkdir -p " .. sh_quote(dir .. "/templates"))
    write(dir .. "/pack.lua", 'return {\n  name = "typo", version = "1.0.0",\n  languages = { "en" },\n  langauges = { "th" },\n}\n')
    write(dir .. "/policy.lua", 'return { on_complaint = function() end }')
    write(dir .. "/templates/en.lua", 'return { ack = "Hi" }')
    local code, _, err = run("pack", "lint", dir)
    assert.equal(1, code)
    assert.matches("pack.lua:4: langauges: unknown field %(did you mean languages%?%)", err)
  end)

  it("accepts the example config", function()
    local code, out = run("check-config", root .. "/examples/redress.conf.lua")
    assert.equal(0, code, out)
    assert.matches("pack retail", out)
  end)

  it("names the file and the field that is wrong", function()
    write(tmp .. "/bad.conf.lua", 'return { listen = "localhost", data_dir = "/tmp/x", packs = { "p" } }')
    local code, _, err = run("check-config", tmp .. "/bad.conf.lua")
    assert.equal(1, code)
    assert.matches("bad.conf.lua: listen: must be", err)
    write(tmp .. "/bad2.conf.lua", 'return { data_dir = "/tmp/x", packs = { "p" }, tokens = { ["short"] = { "admin" } } }')
    code, _, err = run("check-config", tmp .. "/bad2.conf.lua")
    assert.equal(1, code)
    assert.matches("tokens", err)
  end)

  it("refuses what the daemon would refuse when loading the packs", function()
    local packs = 'packs = { "' .. root .. '/policies/retail" }'
    for _, c in ipairs {
      { "pack_settings = { retail = { no_such_setting = 1 } }", "pack_settings.retail.no_such_setting" },
      { 'pack_settings = { retail = { coupon_percent = "ten" } }', "coupon_percent: must be a number" },
      { 'routes = { { when = { channel = "social" }, pack = "nobody" } }', "routes%[1%]%.pack" },
      { 'calendars = { nobody = { zone = "UTC" } }', "calendars.nobody" },
    } do
      write(tmp .. "/bad3.conf.lua", 'return { data_dir = "/tmp/x", ' .. packs .. ", " .. c[1] .. " }")
      local code, _, err = run("check-config", tmp .. "/bad3.conf.lua")
      assert.equal(1, code, c[1])
      assert.matches(c[2], err)
    end
  end)
end)

-- Every command, its options and its positional arguments, as --help must name them.
local commands = {
  { "version" },
  { "check-config", "FILE" },
  { "decide", "--pack DIR", "--at TIME", "COMPLAINT.json" },
  { "replay", "--data DIR", "--pack DIR", "--since T", "--until T", "--config FILE", "--json" },
  { "timers", "--data DIR", "--due-before T", "--limit N", "--json" },
  { "backup", "DATA_DIR", "FILE" },
  { "restore", "FILE", "DATA_DIR", "--force" },
  { "pack lint", "DIR" },
  { "pack test", "DIR", "--min-coverage PERCENT" },
  { "help", "COMMAND" },
}

-- "pack test" → { "pack", "test" }, then the extra arguments.
local function words(cmd, ...)
  local out = {}
  for w in cmd:gmatch("%S+") do out[#out + 1] = w end
  for _, a in ipairs { ... } do out[#out + 1] = a end
  return table.unpack(out)
end

local function plain(s) return (s:gsub("%p", "%%%0")) end

describe("redress's command line", function()
  it("answers --help and -h for every command with its options, exit 0", function()
    for _, c in ipairs(commands) do
      for _, flag in ipairs { "--help", "-h" } do
        local code, out, err = run(words(c[1], flag))
        assert.equal(0, code, c[1] .. " " .. flag .. ": " .. err)
        assert.matches("^Usage: redress " .. plain(c[1]) .. " %[%-h%]", out)
        for i = 2, #c do assert.matches(plain(c[i]), out, 1, c[1] .. " names " .. c[i]) end
      end
    end
    local code, out = run("help", "pack", "test") -- the same text
    assert.equal(0, code)
    assert.equal(select(2, run("pack", "test", "--help")), out)
  end)

  it("lists every command in redress --help", function()
    local code, out = run("--help")
    assert.equal(0, code)
    assert.matches("^Usage: redress ", out)
    for _, c in ipairs(commands) do
      assert.matches("\n   " .. plain(c[1]:match("^%S+")) .. " ", out, 1, c[1])
    end
    local _, pack_help = run("pack", "--help")
    assert.matches("\n   lint ", pack_help)
    assert.matches("\n   test ", pack_help)
  end)

  it("refuses an unknown option on every command with exit 2, naming it", function()
    for _, c in ipairs(commands) do
      local code, out, err = run(words(c[1], "--no-such-option"))
      assert.equal(2, code, c[1])
      assert.equal("", out, c[1])
      assert.matches("^redress: unknown option '%-%-no%-such%-option'\n", err, 1, c[1])
      assert.matches("Usage: redress " .. plain(c[1]), err, 1, c[1]) -- that command's usage
    end
  end)

  it("refuses a missing argument or option, and a bad value, with exit 2 naming it", function()
    for _, c in ipairs {
      { { "check-config" }, "missing argument 'FILE'" },
      { { "decide", tmp .. "/c.json" }, "missing option '--pack'" },
      { { "decide", "--pack" }, "option '--pack' requires an argument" },
      { { "replay", "--pack", "p" }, "missing option '--data'" },
      { { "timers" }, "missing option '--data'" },
      { { "backup", "d" }, "missing argument 'FILE'" },
      { { "restore", "f", "d", "x" }, "too many arguments" },
      { { "pack", "lint" }, "missing argument 'DIR'" },
      { { "pack", "lint", "d", "--min-coverage", "50" }, "unknown option '--min-coverage'" },
      { { "timers", "--data", tmp, "--limit", "ten" }, "--limit ten: must be a whole number from 1 to 1000" },
      { { "timers", "--data", tmp, "--limit", "1.5" }, "--limit 1.5: must be a whole number" },
      { { "timers", "--data", tmp, "--limit", "0" }, "--limit 0: must be a whole number" },
      { { "timers", "--data", tmp, "--due-before", "soon" }, "--due-before soon: not an RFC 3339 date-time" },
      { { "pack", "test", "d", "--min-coverage", "150" }, "--min-coverage 150: must be a number from 0 to 100" },
      { { "pack", "test", "d", "--min-coverage", "most" }, "--min-coverage most: must be a number" },
      { { "decide", "--pack", "p", "c.json", "--at", "tomorrow" }, "--at tomorrow: not an RFC 3339 date-time" },
      { { "version", "extra" }, "too many arguments" },
      { { "pack", "check", "d" }, "unknown command 'check'" },
    } do
      local code, _, err = run(table.unpack(c[1]))
      local what = table.concat(c[1], " ")
      assert.equal(2, code, what)
      assert.matches("^redress: " .. plain(c[2]), err, 1, what)
    end
  end)

  it("prints the commands and exits 2 without one", function()
    local code, out, err = run()
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("^redress: a command is required\nUsage: redress ", err)
    for _, c in ipairs(commands) do assert.matches("\n   " .. plain(c[1]:match("^%S+")) .. " ", err, 1, c[1]) end
    code, _, err = run("pack")
    assert.equal(2, code)
    assert.matches("\n   test ", err)
    code, _, err = run("nope", "--help")
    assert.equal(2, code)
    assert.matches("^redress: unknown command 'nope'", err)
  end)

  it("prints the version without the parser, as before", function()
    local code, out = run("version")
    assert.equal(0, code)
    assert.matches("^redress %S+ %(engine API", out)
    assert.equal(out, select(2, run("--version")))
  end)
end)
