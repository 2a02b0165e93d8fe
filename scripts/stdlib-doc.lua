-- Writes the policy author's stdlib reference (docs/STDLIB.md) from the
-- LuaDoc comments (---) in stdlib/redress/*.lua.
--   lua5.4 scripts/stdlib-doc.lua > docs/STDLIB.md      (regenerate)
-- tests/lua/stdlib_doc_spec.lua checks the committed page is current and
-- that every public function has its comment.
local root = arg and arg[1] or "."
local M = {}

local MODULES = { "money", "duration", "calendar", "wording", "legal", "legal_calendar", "compensation", "escalation", "sla", "testing" }

--- Parses one module file: its header and its documented functions.
function M.parse(text)
  local lines = {}
  for l in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = l end
  local header, i = {}, 1
  while lines[i] and lines[i]:match("^%-%-") do
    header[#header + 1] = (lines[i]:gsub("^%-%-%-? ?", ""))
    i = i + 1
  end
  local fns, undocumented, comment = {}, {}, nil
  for n = i, #lines do
    local l = lines[n]
    if l:match("^%-%-%-") then
      comment = { (l:gsub("^%-%-%- ?", "")) }
    elseif comment and l:match("^%-%- ?") and not l:match("^%-%-%-") then
      comment[#comment + 1] = (l:gsub("^%-%- ?", ""))
    else
      local name, params = l:match("^function ([%w_]+[.:][%w_]+)(%b())")
      if name and not name:match("[.:]_") then
        if comment then fns[#fns + 1] = { name = name .. params, doc = comment }
        else undocumented[#undocumented + 1] = name end
      end
      comment = nil
    end
  end
  return { header = header, functions = fns, undocumented = undocumented }
end

--- The whole page as markdown.
function M.render(dir)
  local out = { "# The policy author's standard library", "",
    "Generated from the comments in `stdlib/redress/*.lua` by `scripts/stdlib-doc.lua`; a test",
    "keeps it current. Policies `require` these modules inside the sandbox.", "" }
  for _, m in ipairs(MODULES) do
    local f = assert(io.open(dir .. "/stdlib/redress/" .. m .. ".lua"))
    local doc = M.parse(f:read("a"))
    f:close()
    out[#out + 1] = "## redress." .. m
    out[#out + 1] = ""
    local code = false
    for _, h in ipairs(doc.header) do
      local is_code = h:match("^    ") ~= nil
      if is_code ~= code then out[#out + 1] = "```" .. (is_code and "lua" or ""); code = is_code end
      out[#out + 1] = is_code and h:sub(5) or h
    end
    if code then out[#out + 1] = "```" end
    out[#out + 1] = ""
    for _, fn in ipairs(doc.functions) do
      out[#out + 1] = "### `" .. fn.name .. "`"
      out[#out + 1] = ""
      out[#out + 1] = table.concat(fn.doc, "\n")
      out[#out + 1] = ""
    end
  end
  return table.concat(out, "\n")
end

M.MODULES = MODULES

if arg and arg[0] and arg[0]:match("stdlib%-doc%.lua$") then
  io.write(M.render(root))
end
return M
