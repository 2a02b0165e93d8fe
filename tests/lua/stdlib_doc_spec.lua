-- docs/STDLIB.md is generated from the stdlib's comments and kept current,
-- and every public stdlib function has its comment.
local root = os.getenv("REDRESS_ROOT") or "."
local gen = dofile(root .. "/scripts/stdlib-doc.lua")

describe("the stdlib reference", function()
  it("is current (regenerate: lua5.4 scripts/stdlib-doc.lua > docs/STDLIB.md)", function()
    local f = assert(io.open(root .. "/docs/STDLIB.md"))
    local committed = f:read("a")
    f:close()
    assert.equal(gen.render(root), committed)
  end)

  for _, m in ipairs(gen.MODULES) do
    it("documents every public function of redress." .. m, function()
      local f = assert(io.open(root .. "/stdlib/redress/" .. m .. ".lua"))
      local doc = gen.parse(f:read("a"))
      f:close()
      assert.same({}, doc.undocumented)
      assert.is_true(#doc.header > 0, "module header comment")
    end)
  end
end)
