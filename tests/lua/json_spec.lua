-- redress.json over rd.json: canonical bytes (the same value, the same
-- bytes), integers that stay integers, arrays that stay arrays.
local json = require "redress.json"

describe("redress.json", function()
  it("writes keys in byte order, whatever order the table was built in", function()
    local a, b = {}, {}
    for _, k in ipairs { "zeta", "alpha", "Ωmega", "beta", "10", "9" } do a[k] = #k end
    for _, k in ipairs { "9", "beta", "Ωmega", "10", "alpha", "zeta" } do b[k] = #k end
    assert.are.equal(json.encode(a), json.encode(b))
    assert.are.equal('{"10":2,"9":1,"alpha":5,"beta":4,"zeta":4,"Ωmega":6}', json.encode(a))
    -- keys alike in their first 8 bytes (the sort compares those first), a
    -- key that is a prefix of another, and a NUL inside one
    local c = {}
    for i, k in ipairs { "abcdefgh", "", "abcdefghi", "abcdefg", "abcdefgh\0", "abcdefghh", "abcdefgg", "a\0b", "a" } do
      c[k] = i
    end
    assert.are.equal('{"":2,"a":9,"a\\u0000b":8,"abcdefg":4,"abcdefgg":7,"abcdefgh":1,"abcdefgh\\u0000":5,' ..
      '"abcdefghh":6,"abcdefghi":3}', json.encode(c))
  end)

  it("keeps integers and floats apart through a round trip", function()
    local t = json.decode(json.encode { n = 1796122851591, f = 4999.0, x = 0.1, big = 9007199254740991 })
    assert.are.equal("integer", math.type(t.n))
    assert.are.equal(1796122851591, t.n)
    assert.are.equal("float", math.type(t.f))
    assert.are.equal(0.1, t.x)
    assert.are.equal(9007199254740991, t.big)
    assert.are.equal('{"big":9007199254740991,"f":4999.0,"n":1796122851591,"x":0.1}', json.encode(t))
  end)

  it("keeps empty arrays apart from empty objects", function()
    assert.are.equal('{"a":[],"o":{}}', json.encode { a = json.array {}, o = {} })
    local t = json.decode('{"a":[],"o":{}}')
    assert.is_true(json.is_array(t.a))
    assert.is_false(json.is_array(t.o))
    assert.are.equal('{"a":[],"o":{}}', json.encode(t))
  end)

  it("writes the empty lists a record names as [], at its top level only", function()
    local lists = { tags = true, trace = true, gone = true }
    local t = { tags = {}, trace = { "x" }, facts = {}, inner = { tags = {} }, n = 1 }
    assert.are.equal('{"facts":{},"inner":{"tags":{}},"n":1,"tags":[],"trace":["x"]}', json.encode(t, lists))
    assert.are.same({}, t.tags) -- the record is left as it was
    assert.are.equal('{"facts":{},"inner":{"tags":{}},"n":1,"tags":{},"trace":["x"]}', json.encode(t))
    assert.are.equal('{"a":[{"x":1}],"tags":[]}', json.encode_spliced({ a = true, tags = {} }, "a", { '{"x":1}' }, lists))
    -- one text: the member's value itself (an offer's message in the offer)
    local offer = { type = "offer", message = { type = "message", text = "€5" }, amount = 500 }
    local spliced = json.encode_spliced(offer, "message", json.encode(offer.message), lists)
    assert.are.equal('{"amount":500,"message":{"text":"€5","type":"message"},"type":"offer"}', spliced)
    assert.are.equal(json.encode(offer), spliced)
    -- its second result: the text without the member, cut from the first
    -- (first, between and last), the bytes `false` gives
    for _, k in ipairs { "amount", "message", "type" } do
      local with, without = json.encode_spliced(offer, k, json.encode(offer[k]), nil, true)
      assert.are.equal(json.encode(offer), with)
      assert.are.equal(json.encode_spliced(offer, k, false), without, k)
    end
    assert.are.same({ '{"only":1}', "{}" }, { json.encode_spliced({ only = 1 }, "only", "1", nil, true) })
    assert.are.same({ '{"a":1}', '{"a":1}' }, { json.encode_spliced({ a = 1 }, "absent", "2", nil, true) })
    assert.are.same({ '{"a":[7],"b":2}', '{"b":2}' }, { json.encode_spliced({ a = 1, b = 2 }, "a", { "7" }, nil, true) })
    -- without rest, one result
    assert.are.equal(1, select("#", json.encode_spliced({ a = 1, b = 2 }, "a", { "7" })))
    assert.has_error(function() json.encode_spliced(offer, "message", 5) end)
    -- false: the member left out (an offer's outbox row), first, last or between
    assert.are.equal('{"amount":500,"type":"offer"}', json.encode_spliced(offer, "message", false, lists))
    assert.are.equal('{"message":{"text":"€5","type":"message"},"type":"offer"}', json.encode_spliced(offer, "amount", false))
    assert.are.equal('{"amount":500,"message":{"text":"€5","type":"message"}}', json.encode_spliced(offer, "type", false))
    assert.are.equal('{}', json.encode_spliced({ only = 1 }, "only", false))
    assert.are.equal('{"a":1}', json.encode_spliced({ a = 1 }, "absent", false))
    assert.has_error(function() json.encode_spliced(offer, "message", true) end)
    assert.are.equal('[1,2]', json.encode({ 1, 2 }, lists))
    assert.has_error(function() json.encode({}, "tags") end)
  end)

  it("refuses numbers it cannot keep exactly, naming the field", function()
    local t, code, msg, field, status = json.decode_object('{"order":{"amount":9007199254740992}}')
    assert.is_nil(t)
    assert.are.equal("out_of_range", code)
    assert.are.equal("order.amount", field)
    assert.are.equal(422, status)
    assert.matches("9007199254740991", msg)
  end)

  -- customer_of (or type_of) refuses body with decode_object's answer, word for word
  local function refused_alike(body, reader)
    local want = { json.decode_object(body) }
    assert.is_nil(want[1], body)
    local got = { (reader or json.customer_of)(body) }
    assert.is_nil(got[1], body)
    assert.are.same({ table.unpack(want, 2, 5) }, { table.unpack(got, 2, 5) }, body)
  end

  -- reader reads each case's body to its string (nil: none there)
  local function peeks(reader, cases)
    for _, c in ipairs(cases) do
      local ok, v = reader(c[1])
      assert.is_true(ok, c[1])
      assert.are.equal(c[2], v, c[1])
    end
  end

  it("reads a body's customer.id with decode_object's checks and answers, building nothing", function()
    -- every refusal is decode_object's, word for word
    for _, body in ipairs { "", "[1]", "{", '{"a":"\255"}', '{"a":"x\\u0000y"}', '{"n":{"m":[1,2,9007199254740992]}}',
      '{"a":"\\ud800"}', '{"a":1e400}', '  {"a":1} x', "nul\0" } do
      refused_alike(body)
    end
    -- the top-level customer object's id only, and only a string
    local cases = {
      { '{"customer":{"id":"c-1","name":"Anna"},"id":"top"}', "c-1" },
      { '{"order":{"customer":{"id":"deep"}},"customer":{"name":"x","id":"ünï-2"}}', "ünï-2" },
      { '{"customer":{"id":5}}', nil }, { '{"customer":"c-1"}', nil }, { '{"customer":[{"id":"c"}]}', nil },
      { '{"customer":{"x":{"id":"no"}}}', nil }, { '{}', nil }, { '{"customer":{"id":"x\\ny\\""}}', 'x\ny"' },
    }
    peeks(json.customer_of, cases)
  end)

  it("reads a body up to its customer.id, and what precedes it with decode_object's checks", function()
    -- what follows the id is the worker's to read (decode_object there)
    for _, body in ipairs { '{"customer":{"id":"c-1"},', '{"customer":{"id":"c-1"}} x', '{"customer":{"id":"c-1","n":1e400}}',
      '{"customer":{"id":"c-1"},"customer":{"id":"c-2"}}' } do
      local ok, id = json.customer_of(body)
      assert.is_true(ok, body)
      assert.are.equal("c-1", id, body)
    end
    -- before it, the refusals are decode_object's
    for _, body in ipairs { '{"n":1e400,"customer":{"id":"c-1"}}', '{"a":"x\\u0000y","customer":{"id":"c-1"}}',
      '{"a":,"customer":{"id":"c-1"}}', '{"a":"\\udc00","customer":{"id":"c-1"}}', '{"customer":{"id":"c-1"},"a":"\\ud800"}' } do
      refused_alike(body)
    end
  end)

  it("reads a body for its top-level type (type_of), the one decode_object's table holds", function()
    -- the whole body is read, with decode_object's refusals, word for word
    for _, body in ipairs { "", "[1]", "{", '{"a":"x\\u0000y","type":"agent.note"}', '{"n":1e400,"type":"agent.note"}',
      '{"type":"agent.note","data":1e400}', '{"type":"agent.note"} x' } do
      refused_alike(body, json.type_of)
    end
    local cases = {
      { '{"type":"agent.note","data":{"note":"n"}}', "agent.note" },
      { '{"data":{"type":"approval.granted"},"type":"agent.note"}', "agent.note" },
      { '{"type":5,"type":"agent.note"}', "agent.note" },
      { '{"type":"customer.replied","type":"approval.granted"}', "approval.granted" }, -- of two, the last
      { '{"type":["agent.note"]}', nil }, { '{"data":{"type":"x"}}', nil }, { '{}', nil },
    }
    for _, c in ipairs(cases) do
      local t = json.decode_object(c[1]).type
      if type(t) == "string" then assert.are.equal(t, c[2], c[1]) end
    end
    peeks(json.type_of, cases)
    -- a type named many times: each is read and let go (the reader's stack
    -- does not grow with them)
    local many = {}
    for i = 1, 5000 do many[i] = '"type":"t' .. i .. '"' end
    peeks(json.type_of, { { "{" .. table.concat(many, ",") .. "}", "t5000" } })
  end)

  it("builds only what a projection names (decode_only)", function()
    local text = json.encode { kind = "decision", seq = 3, at = "t", pack = { name = "retail", version = "0.1.0" },
      actions = { { type = "acknowledge", text = "Thanks" }, { type = "offer", amount = 5, tags = json.array {} } },
      trace = { "a", "b" }, empty = json.array {}, nested = { deep = { deeper = { 1, 2 } } } }
    local d = json.decode_only(text, { seq = true, pack = { version = true }, actions = { ["*"] = { type = true } },
      empty = true, nested = true, missing = true })
    assert.are.equal('{"actions":[{"type":"acknowledge"},{"type":"offer"}],"empty":[],' ..
      '"nested":{"deep":{"deeper":[1,2]}},"pack":{"version":"0.1.0"},"seq":3}', json.encode(d))
    assert.is_true(json.is_array(d.empty))
    -- every element, whole; and nothing at all
    assert.are.equal('[1,[2,3],{"a":1}]', json.encode(json.decode_only('[1,[2,3],{"a":1}]', { ["*"] = true })))
    assert.are.equal("{}", json.encode(json.decode_only(text, {})))
    -- what is not built is still read: bad JSON anywhere is an error
    assert.has_error(function() json.decode_only('{"a":1,"b":[1,}', { a = true }) end)
    assert.has_error(function() json.decode_only(text, "seq") end)
  end)

  -- The string writer skips plain ASCII eight bytes at a time and checks
  -- UTF-8 itself: every position around a word's edge, every kind of
  -- sequence, and what must be refused.
  it("escapes quotes, backslashes and control characters wherever they fall", function()
    for pos = 1, 20 do
      for _, c in ipairs { '"', "\\", "\n", "\1", "\31" } do
        local s = ("a"):rep(pos - 1) .. c .. ("b"):rep(20 - pos)
        local out = json.encode(s)
        assert.are.equal(s, json.decode(out))
        assert.is_nil(out:sub(2, -2):find('[^\\]"'), out) -- no bare quote inside
        assert.is_nil(out:find("[%z\1-\31]"), out)        -- no raw control character
      end
    end
    assert.are.equal('"\\u001f\\t\\"\\\\"', json.encode("\31\t\"\\"))
  end)

  it("passes Thai, Persian, Chinese, Russian and emoji text through byte for byte", function()
    for _, s in ipairs { "สินค้าชำรุด ขอคืนเงิน", "کالا آسیب دیده بود؛ لطفاً پیگیری کنید", "快递延误了三天，包装破损",
      "Посылка пришла повреждённой", "ok 👍🏽 ok", "\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
      ("é"):rep(9) .. "x" .. ("ก"):rep(5) .. '"' } do
      local out = json.encode(s)
      assert.are.equal('"' .. s:gsub('"', '\\"') .. '"', out)
      assert.are.equal(s, json.decode(out))
    end
  end)

  it("refuses what is not UTF-8, wherever it is in the string", function()
    for _, bad in ipairs { "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF",
      "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\x80", "\xC3", "\xE2\x82", "\xF0\x9F\x91",
      "\xC3\x28", "\xE2\x28\xA1" } do
      for _, s in ipairs { bad, "abcdefgh" .. bad, "ก" .. bad .. "ข", bad .. ("z"):rep(9) } do
        local ok, err = pcall(json.encode, { text = s })
        assert.is_false(ok, (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end)))
        assert.matches("valid UTF%-8", err)
      end
    end
  end)

  it("encodes correctly after a refused value and after a very large one", function()
    assert.is_false(pcall(json.encode, { a = "ok", b = "\xFF" }))
    assert.are.equal('{"a":"ok"}', json.encode { a = "ok" })
    local big = ("ทดสอบ"):rep(40000) -- past the buffer the encoder keeps between calls
    assert.are.equal(#big + 2, #json.encode(big))
    assert.are.equal('["x"]', json.encode { "x" })
  end)

  -- Reading (json_decode.c, yajl's event parser building the tables).
  it("reads numbers back as the type they were written as", function()
    local v = json.decode("[1, 1.0, 1e2, -0, -5, 2.5e-3, 9007199254740991]")
    local types = {}
    for i, x in ipairs(v) do types[i] = math.type(x) end
    assert.are.same({ "integer", "float", "float", "integer", "integer", "float", "integer" }, types)
    assert.are.equal("[1,1.0,100.0,0,-5,0.0025,9007199254740991]", json.encode(v))
  end)

  it("reads null, booleans, nested empty arrays and objects, and the last of a repeated key", function()
    local v = json.decode('{"a":null,"b":true,"c":false,"d":[[],{}],"k":1,"k":2,"s":"\\u00e9\\\\u0041"}')
    assert.are.equal(json.null, v.a)
    assert.is_true(v.b)
    assert.is_false(v.c)
    assert.is_true(json.is_array(v.d[1]))
    assert.is_false(json.is_array(v.d[2]))
    assert.are.equal(2, v.k)
    assert.are.equal("é\\u0041", v.s)
    assert.are.equal('{"a":null,"b":true,"c":false,"d":[[],{}],"k":2,"s":"é\\\\u0041"}', json.encode(v))
  end)

  it("reads containers of any size whole, in order, the last of a repeated key winning", function()
    -- a table is made when its container closes, or once 256 entries wait
    -- (bindings/json_decode.c): sizes on both sides of that, nested
    for _, n in ipairs { 0, 1, 255, 256, 257, 600 } do
      local obj, arr = {}, {}
      for i = 1, n do obj["k" .. i] = { i, { v = "x" .. i } }; arr[i] = { k = i } end
      local doc = { obj = obj, arr = json.array(arr), mixed = { arr = json.array(arr), n = n } }
      local text = json.encode(doc)
      local back = json.decode(text)
      assert.equal(text, json.encode(back))
      if n > 0 then
        assert.equal("x" .. n, back.obj["k" .. n][2].v)
        assert.equal(n, back.arr[n].k)
      end
    end
    -- a key repeated before and after the 256th entry, and inside the first 256
    local parts = { '"dup":1', '"twice":"a"', '"twice":"b"' }
    for i = 1, 300 do parts[#parts + 1] = '"f' .. i .. '":' .. i end
    parts[#parts + 1] = '"dup":2'
    local t = json.decode("{" .. table.concat(parts, ",") .. "}")
    assert.equal(2, t.dup)
    assert.equal("b", t.twice)
    assert.equal(300, t.f300)
    -- entries waiting at every level of a document nested 63 deep (the
    -- stack must hold them all, whatever the depth)
    local function nested(depth, open, close, entry, inner)
      if depth == 0 then return "1" end
      local parts = {}
      for i = 1, 15 do parts[i] = entry(i) end
      parts[16] = inner .. nested(depth - 1, open, close, entry, inner)
      return open .. table.concat(parts, ",") .. close
    end
    local obj = json.decode(nested(63, "{", "}", function(i) return '"k' .. i .. '":' .. i end, '"n":'))
    local arr = json.decode(nested(63, "[", "]", tostring, ""))
    for _ = 1, 62 do obj, arr = obj.n, arr[16] end
    assert.equal(15, obj.k15)
    assert.equal(1, obj.n)
    assert.equal(15, arr[15])
    assert.equal(1, arr[16])
  end)

  it("reads surrogate pairs and refuses half of one", function()
    assert.are.equal("😀", json.decode('"\\ud83d\\ude00"'))
    for _, bad in ipairs { '"\\ud83d"', '"\\ude00"', '"x\\ud83dx"', '"\\ud83d\\u0041"', '["ok", "\\udbff"]' } do
      local ok, err = pcall(json.decode, bad)
      assert.is_false(ok, bad)
      assert.matches("surrogate", err)
    end
  end)

  it("says where bad syntax is, by line and column", function()
    for text, where in pairs { ["[1,"] = "line 1, column 3", ['{"a" 1}'] = "line 1, column 6",
      ['{\n "a": tru }'] = "line 2", ["[1] [2]"] = "line 1, column 5", [""] = "line 1, column 1",
      ["\xff"] = "line 1", ["99999999999999999999"] = "too big integer", ["1e999"] = "overflow" } do
      local ok, err = pcall(json.decode, text)
      assert.is_false(ok, text)
      assert.matches("^json%.decode: ", err)
      assert.is_truthy(err:find(where, 1, true), err)
    end
    assert.matches("nested deeper than 64", select(2, pcall(json.decode, ("["):rep(65) .. ("]"):rep(65))))
    assert.are.equal(63, (function()
      local v, d = json.decode(("["):rep(64) .. ("]"):rep(64)), 0
      while v[1] do v, d = v[1], d + 1 end
      return d
    end)())
    assert.are.same({ 1 }, json.decode("[1]")) -- after errors, the next call reads afresh
  end)

  it("checks untrusted values and names the first refused one by its path", function()
    local codec = require "rd.json"
    local cases = {
      { '{"order":{"items":[{"name":"a"},{"name":"b\\u0000c"}]}}', "nul", "order.items[2].name" },
      { '[1, 2, 9007199254740992]', "out_of_range", "[3]" },
      { '{"a":[[-9007199254740992.5]]}', "out_of_range", "a[1][1]" },
      { '{"x":"\\u0000","y":1e300}', "nul", "x" },
    }
    for _, c in ipairs(cases) do
      local v, why, path = codec.decode_checked(c[1])
      assert.is_nil(v)
      assert.are.equal(c[2], why)
      assert.are.equal(c[3], path)
    end
    -- bad syntax after a refused value is reported as bad syntax
    assert.is_false(pcall(codec.decode_checked, '{"x":"\\u0000", }'))
    assert.are.same({ a = 9007199254740991 }, codec.decode_checked('{"a":9007199254740991}'))
  end)

  it("judges UTF-8 as utf8.len does, on random mixes of good and bad sequences", function()
    local codec = require "rd.json"
    -- overlong forms, surrogates, past U+10FFFF, cut sequences, stray
    -- continuation bytes, NUL, and long runs of ASCII (the eight-byte path)
    local pieces = { "a", "plain ascii text!", "é", "中", "😀", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
      "\xE0\x80\x80", "\x80", "\xFF", "\xF0\x9F\x98", "\0", "ขอบคุณ", "سلام", "\xC2", "\xEF\xBF\xBF",
      "\xF4\x8F\xBF\xBF", "\xF8\x88\x80\x80\x80" }
    math.randomseed(20261202)
    for _ = 1, 20000 do
      local t = {}
      for j = 1, math.random(0, 10) do t[j] = pieces[math.random(#pieces)] end
      local s = table.concat(t)
      assert.are.equal(utf8.len(s) ~= nil, codec.valid_utf8(s), string.format("%q", s))
    end
    assert.is_true(codec.valid_utf8(""))
    assert.is_false(codec.valid_utf8(("x"):rep(15) .. "\xC3"))
  end)

  -- The encoder remembers an object's shape (its keys, in lua_next's order)
  -- and writes the next object of that shape from what it wrote the first
  -- time (bindings/json.c, find_shape). A model encoder in Lua says what
  -- the bytes must be, for tables of keys from one pool built in shuffled
  -- orders with keys removed and put back (lua_next's order changes with
  -- the table's history), each encoded three times.
  it("writes an object of a remembered shape byte for byte as the first time", function()
    local function esc(str)
      return '"' .. str:gsub('[%c"\\]', function(c)
        local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
          ["\b"] = "\\b", ["\f"] = "\\f" }
        return named[c] or string.format("\\u%04x", c:byte())
      end) .. '"'
    end
    local function model(v)
      if type(v) ~= "table" then return type(v) == "string" and esc(v) or tostring(v) end
      if #v > 0 then
        local out = {}
        for i = 1, #v do out[i] = model(v[i]) end
        return "[" .. table.concat(out, ",") .. "]"
      end
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      for i, k in ipairs(keys) do keys[i] = esc(k) .. ":" .. model(v[k]) end
      return "{" .. table.concat(keys, ",") .. "}"
    end
    local pool = { "id", "kind", "amount", "at", "status", "a\"q", "tab\tkey", "ขอบคุณ", "中文", "due_ms", "due_at",
      "x", "xy", "abcdefgh", "abcdefghi", ("long"):rep(11), ("longer"):rep(12), "n\1l" }
    math.randomseed(20261203)
    local function build(depth)
      local t, n = {}, math.random(1, #pool)
      local order = {}
      for i = 1, #pool do order[i] = pool[i] end
      for i = #order, 2, -1 do local j = math.random(i); order[i], order[j] = order[j], order[i] end
      for i = 1, n do
        local k = order[i]
        local r = math.random(4)
        t[k] = r == 1 and math.random(-1000, 1000) or r == 2 and order[math.random(#order)]
          or r == 3 and depth < 2 and build(depth + 1) or (r == 4)
      end
      for i = 1, math.random(0, 2) do -- taken out, some put back: another order for the same keys
        local k = order[math.random(n)]
        local v = t[k]
        t[k] = nil
        if math.random(2) == 1 then t[k] = v end
      end
      if next(t) == nil then t.id = 1 end
      return t
    end
    local made = {}
    for _ = 1, 400 do made[#made + 1] = build(0) end
    for round = 1, 3 do
      for i, t in ipairs(made) do
        assert.are.equal(model(t), json.encode(t), "table " .. i .. ", round " .. round)
      end
    end
    -- encode_spliced's top table: a member written from raw text, or left out
    for i, t in ipairs(made) do
      local k = next(t)
      local raw = json.encode(t[k])
      for _ = 1, 2 do
        local with, cut = json.encode_spliced(t, k, raw, nil, true)
        assert.are.equal(model(t), with, "spliced " .. i)
        local without = {}
        for kk, v in pairs(t) do if kk ~= k then without[kk] = v end end
        local expected = next(without) == nil and "{}" or model(without)
        assert.are.equal(expected, json.encode_spliced(t, k, false), "left out " .. i)
        assert.are.equal(expected, cut, "cut out " .. i)
      end
    end
    -- more shapes than the encoder keeps keys for: it starts over, still right
    for i = 1, 600 do
      local t = {}
      for j = 1, 20 do t["s" .. i .. "k" .. j] = j end
      assert.are.equal(model(t), json.encode(t))
      assert.are.equal(model(t), json.encode(t))
    end
    for round = 1, 2 do
      for i, t in ipairs(made) do assert.are.equal(model(t), json.encode(t), "after, " .. i .. " " .. round) end
    end
    -- an object written from its shape while the objects inside it push
    -- that shape out, and make the encoder start over (the sanitizer build
    -- sees a shape freed too soon)
    local outer = {}
    for j = 1, 20 do outer["o" .. j] = true end
    json.encode(outer); json.encode(outer)
    for round = 1, 30 do
      for j = 1, 20 do
        local function fresh()
          local t = {}
          for k = 1, 32 do t["r" .. round .. "o" .. j .. "k" .. k] = k end
          return t
        end
        outer["o" .. j] = { fresh(), fresh() }
      end
      assert.are.equal(model(outer), json.encode(outer), "round " .. round)
    end
  end)
end)
