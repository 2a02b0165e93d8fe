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

  it("refuses numbers it cannot keep exactly, naming the field", function()
    local t, code, msg, field, status = json.decode_object('{"order":{"amount":9007199254740992}}')
    assert.is_nil(t)
    assert.are.equal("out_of_range", code)
    assert.are.equal("order.amount", field)
    assert.are.equal(422, status)
    assert.matches("9007199254740991", msg)
  end)
end)
