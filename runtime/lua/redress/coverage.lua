--- Line coverage of a pack's Lua files, for `redress pack test`: which
-- lines of policy.lua and the pack's modules its specs ran. The lines that
-- can run come from the compiler's listing (luac5.4 -l), so a function no
-- spec ever calls counts against the pack too; the lines that ran come from
-- a line hook in the sandbox (rd.coverage).
local M = {}

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

--- coverage.lines(path) → set of the lines that hold code, or nil, message.
-- Each function's final implicit return (on its `end` line, never reached
-- when every path returns) and VARARGPREP do not count.
function M.lines(path)
  local f = io.popen("luac5.4 -l -p " .. sh_quote(path) .. " 2>&1")
  if not f then return nil, "cannot run luac5.4" end
  local out = f:read("a")
  local ok = f:close()
  if not ok then return nil, (out:gsub("\n$", "")) end
  local set, last = {}, nil
  local function close_function()
    if last then set[last.line] = set[last.line] - 1 end
    last = nil
  end
  for line in out:gmatch("[^\n]+") do
    if line:match("^main <") or line:match("^function <") then
      close_function()
    else
      local n, op = line:match("^%s+%d+%s+%[(%d+)%]%s+(%u[%u%d]*)")
      if n and op ~= "VARARGPREP" then
        n = tonumber(n)
        set[n] = (set[n] or 0) + 1
        last = { line = n }
      elseif n then
        last = nil
      end
    end
  end
  close_function()
  local lines = {}
  for n, count in pairs(set) do if count > 0 then lines[n] = true end end
  return lines
end

--- coverage.report(dir, name, files, hits) → list of { file, total, ran,
-- missing = {line…} } for each Lua file (relative to dir); hits: what
-- rd.coverage(false) returned, keyed by chunk name ("@<name>/<file>").
function M.report(dir, name, files, hits)
  local out = {}
  for _, rel in ipairs(files) do
    local lines, err = M.lines(dir .. "/" .. rel)
    if not lines then error(err, 0) end
    local ran = hits["@" .. name .. "/" .. rel] or {}
    local r = { file = rel, total = 0, ran = 0, missing = {} }
    for n in pairs(lines) do
      r.total = r.total + 1
      if ran[n] then r.ran = r.ran + 1 else r.missing[#r.missing + 1] = n end
    end
    table.sort(r.missing)
    out[#out + 1] = r
  end
  return out
end

--- coverage.save(path, hits) / coverage.load(path): the hits as text lines
-- "chunk<TAB>line", to carry them out of the busted process.
function M.save(path, hits)
  local f = assert(io.open(path, "w"))
  for chunk, lines in pairs(hits or {}) do
    for n in pairs(lines) do f:write(chunk, "\t", n, "\n") end
  end
  f:close()
end

function M.load(path)
  local hits = {}
  local f = io.open(path, "r")
  if not f then return hits end
  for line in f:lines() do
    local chunk, n = line:match("^(.*)\t(%d+)$")
    if chunk then
      hits[chunk] = hits[chunk] or {}
      hits[chunk][tonumber(n)] = true
    end
  end
  f:close()
  return hits
end

return M
