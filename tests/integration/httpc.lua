-- A minimal HTTP/1.1 client for the integration tests: one connection per request,
-- "Connection: close". Unlike socket.http it still reads the answer when the server answers
-- early (a 413 refused from Content-Length) and the rest of the body could not be sent.
--   status, headers (lower-case names), raw_body = httpc.request(port, method, path, headers, body, timeout)
--   nil, error_message on a transport error
local socket = require "socket"

local M = {}

local function receive_body(c, rh)
  local te = (rh["transfer-encoding"] or ""):lower()
  if te:find("chunked", 1, true) then
    local parts = {}
    while true do
      local line, err = c:receive("*l")
      if not line then return nil, "chunk size: " .. err end
      local n = tonumber(line:match("^%s*(%x+)"), 16)
      if not n then return nil, "bad chunk size " .. line end
      if n == 0 then
        repeat line = c:receive("*l") until not line or line == ""
        return table.concat(parts)
      end
      local data, derr = c:receive(n)
      if not data then return nil, "chunk: " .. derr end
      parts[#parts + 1] = data
      c:receive("*l")
    end
  elseif rh["content-length"] then
    local n = tonumber(rh["content-length"])
    if not n then return nil, "bad Content-Length" end
    if n == 0 then return "" end
    return c:receive(n)
  end
  local data, err, partial = c:receive("*a")
  return data or partial, data == nil and err or nil
end

function M.request(port, method, path, headers, body, timeout)
  local c = socket.tcp()
  c:settimeout(timeout or 10)
  local ok, err = c:connect("127.0.0.1", port)
  if not ok then
    c:close()
    return nil, "connect: " .. tostring(err)
  end
  local lines = { method .. " " .. path .. " HTTP/1.1", "Host: 127.0.0.1:" .. port }
  if not headers["connection"] then lines[#lines + 1] = "Connection: close" end
  local names = {}
  for k in pairs(headers) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do lines[#lines + 1] = k .. ": " .. headers[k] end
  local sent, send_err = c:send(table.concat(lines, "\r\n") .. "\r\n\r\n")
  if sent and body and #body > 0 then sent, send_err = c:send(body) end
  local status, rh
  repeat  -- skip 1xx answers
    local line, rerr = c:receive("*l")
    if not line then
      c:close()
      return nil, (send_err and ("send: " .. send_err .. "; ") or "") .. "receive: " .. tostring(rerr)
    end
    status = tonumber(line:match("^HTTP/%d%.%d (%d%d%d)"))
    if not status then
      c:close()
      return nil, "bad status line: " .. line
    end
    rh = {}
    while true do
      local h, herr = c:receive("*l")
      if not h then
        c:close()
        return nil, "headers: " .. tostring(herr)
      end
      if h == "" then break end
      local k, v = h:match("^([^:]+):%s*(.-)%s*$")
      if k then
        k = k:lower()
        rh[k] = rh[k] and (rh[k] .. ", " .. v) or v
      end
    end
  until status >= 200
  local raw, berr = "", nil
  if method ~= "HEAD" and status ~= 204 and status ~= 304 then
    raw, berr = receive_body(c, rh)
  end
  c:close()
  if not raw then return nil, "body: " .. tostring(berr) end
  return status, rh, raw
end

return M
