-- type and math.type as require "rd" (and every daemon state) installs
-- them: the base and math libraries' own answers and errors, the names
-- interned once (bindings/state.c, rd_typenames_install).
local rd = require "rd"

describe("type and math.type with interned names", function()
  it("answer as the libraries do, for every kind of value", function()
    assert.is_not_nil(rd)
    local values = { nil, true, 1, 1.5, "s", {}, print, io.stdout, coroutine.create(print) }
    local names = { "nil", "boolean", "number", "number", "string", "table", "function", "userdata", "thread" }
    for i = 1, #names do assert.are.equal(names[i], type(values[i])) end
    assert.are.equal("integer", math.type(3))
    assert.are.equal("float", math.type(3.0))
    assert.is_nil(math.type("3"))
    assert.is_nil(math.type({}))
    -- the same string objects every time (what makes them cheap), equal to literals
    assert.is_true(rawequal(type({}), "table"))
  end)

  it("refuse a missing argument with the libraries' own message", function()
    local ok, err = pcall(type)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'type' %(value expected%)", err)
    ok, err = pcall(math.type)
    assert.is_false(ok)
    assert.matches("bad argument #1 to 'math.type' %(value expected%)", err)
    assert.are.equal("nil", type(nil)) -- an explicit nil is a value
  end)
end)
