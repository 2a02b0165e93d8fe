-- redress.lint (`redress pack lint`): the wording a machine can check, on
-- small broken packs written to a temp dir, and every built-in pack clean.
local lint = require "redress.lint"
local root = os.getenv("REDRESS_ROOT") or "."

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local tmp
setup(function()
  local p = io.popen("mktemp -d /tmp/redress-lint.XXXXXX")
  tmp = p:read("l")
  p:close()
end)
teardown(function() os.execute("rm -rf " .. sh_quote(tmp)) end)

-- A pack in tmp/name: languages, and each language's templates file.
local function pack(name, languages, templates, extra)
  local dir = tmp .. "/" .. name
  os.execute("mkdir -p " .. sh_quote(dir .. "/templates"))
  local function write(rel, text)
    local f = assert(io.open(dir .. "/" .. rel, "w"))
    f:write(text)
    f:close()
  end
  write("pack.lua", string.format('return { name = %q, version = "1.0.0", languages = { "%s" }, template_vars = { "due", "n" } }',
    name, table.concat(languages, '", "')))
  write("policy.lua", "return { on_complaint = function() end }")
  write("README.md", "x")
  for lang, text in pairs(templates) do write("templates/" .. lang .. ".lua", text) end
  for rel, text in pairs(extra or {}) do write(rel, text) end
  return dir
end

-- The problems (or warnings) that mention what, with the dir cut off.
local function about(list, what)
  local out = {}
  for _, p in ipairs(list) do
    if p:find(what, 1, true) then out[#out + 1] = p:gsub("^" .. tmp:gsub("%p", "%%%0") .. "/[^/]+/", "") end
  end
  return out
end

describe("pack lint, across languages", function()
  it("names every language that lacks a template another has, the first language too", function()
    local dir = pack("missing", { "en", "th", "ru" }, {
      en = 'return {\n  ack = "Hi",\n}',
      th = 'return {\n  ack = "สวัสดี",\n  bye = "ลาก่อน",\n}',
      ru = 'return {\n  ack = "Привет",\n  bye = "Пока",\n  later = "Позже",\n}',
    })
    local problems = lint.check(dir)
    assert.same({
      "templates/en.lua: template 'bye' is missing (th, ru have it)",
      "templates/en.lua: template 'later' is missing (ru has it)",
      "templates/th.lua: template 'later' is missing (ru has it)",
    }, about(problems, "is missing"))
    -- the loader's own message (it stops at the first) is not repeated
    assert.equal(3, #problems)
  end)

  it("finds a placeholder one language lacks and one that only one language uses, with the line", function()
    local dir = pack("placeholders", { "en", "th", "fa", "ru" }, {
      en = 'return {\n  customer = "customer",\n  ack = "Hi {name}, case {case_id}, by {due:date}.",\n}',
      th = 'return {\n  customer = "ลูกค้า",\n  ack = "เรียน คุณ{name} เรื่อง {case_id} ภายในวันที่ {due:date}",\n}',
      fa = 'return {\n  customer = "مشتری",\n  ack = "{name} گرامی، پرونده {case_id} تا {due:date}.",\n}',
      ru = 'return {\n  customer = "клиент",\n\n  ack = "Здравствуйте, {name}! Обращение {case_id}, заказ {order_id}.",\n}',
    })
    local problems, warnings = lint.check(dir)
    assert.same({ "templates/ru.lua:4: 'ack' lacks {due}, which en, th, fa all use" }, about(problems, "{due}"))
    assert.same({ "templates/ru.lua:4: 'ack' uses {order_id}, which none of en, th, fa use" }, about(problems, "{order_id}"))
    assert.same({}, warnings)
  end)

  it("warns when the languages split on a placeholder, and reports a two-language difference once", function()
    local dir = pack("split", { "en", "th", "fa", "ru" }, {
      en = 'return { ack = "Hi {name}, case {case_id}" }',
      th = 'return { ack = "เรียน คุณ{name} เรื่อง {case_id}" }',
      fa = 'return { ack = "پرونده {case_id}" }',
      ru = 'return { ack = "Обращение {case_id}" }',
    })
    local problems, warnings = lint.check(dir)
    assert.same({}, problems)
    assert.same({
      "templates/fa.lua:1: 'ack' does not use {name}, which en, th do",
      "templates/ru.lua:1: 'ack' does not use {name}, which en, th do",
    }, about(warnings, "{name}"))

    dir = pack("two", { "en", "th" }, {
      en = 'return { ack = "Hi {name}" }',
      th = 'return { ack = "สวัสดี" }',
    })
    problems = lint.check(dir)
    assert.same({ "templates/th.lua:1: 'ack' lacks {name}, which en uses" }, about(problems, "{name}"))
    assert.same({}, about(problems, "templates/en.lua"))
  end)
end)

describe("pack lint, the rendered wording", function()
  it("finds a Thai time whose น. the template writes again", function()
    local dir = pack("thai-time", { "en", "th" }, {
      en = 'return { visit = "We will see you by {due:time}." }',
      th = 'return {\n  visit = "เราจะไปพบท่านภายในเวลา {due:time} น.",\n}',
    })
    local problems = lint.check(dir)
    assert.equal(1, #problems)
    assert.matches("templates/th.lua:2: 'visit' renders \"น.\" twice: …", problems[1], 1, true)
    assert.matches("น. น.…", problems[1], 1, true)
  end)

  it("holds Chinese to one spacing rule: Latin set off by spaces, numbers and dates not", function()
    local dir = pack("spacing", { "en", "zh" }, {
      en = 'return {\n  a = "Case {case_id}",\n  b = "About {n:number} hours",\n  c = "By {due:date}",\n  d = "UK261 law",\n}',
      zh = 'return {\n  a = "投诉单{case_id}已建立",\n  b = "约 {n:number} 小时",\n  c = "我们将于 {due:date} 前联系您",\n'
        .. '  d = "根据 UK261 条例，",\n}',
    })
    local problems = lint.check(dir)
    assert.same({
      "templates/zh.lua:2: 'a': Latin text touches Chinese (put a space between them): …投诉单{case_id}已建立…",
      "templates/zh.lua:3: 'b': a space between Chinese and a number, amount or date (write them together): …约 {n} 小时…",
      "templates/zh.lua:4: 'c': a space between Chinese and a number, amount or date (write them together): …我们将于 {due} 前联系您…",
    }, about(problems, "zh.lua"))
  end)
end)

describe("every built-in pack", function()
  local p = io.popen("ls -d " .. sh_quote(root) .. "/policies/*/ " .. sh_quote(root) .. "/examples/custom-policy/")
  for dir in p:lines() do
    dir = dir:gsub("/$", "")
    it("passes lint without a warning: " .. dir:match("[^/]+$"), function()
      local problems, warnings = lint.check(dir)
      assert.same({}, problems)
      assert.same({}, warnings)
    end)
  end
  p:close()
end)
