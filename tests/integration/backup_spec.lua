-- `redress backup` and `redress restore`, the way an operator runs them: a
-- backup of a daemon's store while complaints keep arriving, restored into a
-- new data directory, served by a second daemon with the same cases.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local H = require "harness"
local cjson = require "cjson"

local q = H.sh_quote
local run = H.cli

-- A shell loop posting complaints with curl until its stop file appears.
local LOAD = [[
dir=$1; port=$2; i=0
while [ ! -e "$dir/stop" ] && [ $i -lt 5000 ]; do
  i=$((i + 1))
  curl -s -o /dev/null --max-time 5 -H 'authorization: Bearer test-admin' -H 'content-type: application/json' \
    -H "idempotency-key: load-$i" --data @"$dir/body.json" "http://127.0.0.1:$port/v1/complaints"
  echo $i > "$dir/load.tmp" && mv "$dir/load.tmp" "$dir/load.count" # whole, never read half-written
done
]]

describe("backup and restore", function()
  local d, restored, backup_file, info

  setup(function()
    d = H.new()
    d:start()
    for i = 1, 20 do d:complain { customer = { id = "cust-" .. (i % 5) } } end
    backup_file = d.dir .. "/store.backup"
  end)
  teardown(function()
    if restored then restored:cleanup() end
    d:cleanup()
  end)

  it("copies the store of a running daemon while complaints arrive", function()
    H.write_file(d.dir .. "/load.sh", LOAD)
    H.write_file(d.dir .. "/body.json", cjson.encode(H.complaint { customer = { id = "cust-load" } }))
    -- curl is not built with the sanitizers: it runs without the sanitizer build's preload
    os.execute(string.format("env -u LD_PRELOAD -u ASAN_OPTIONS sh %s %s %d </dev/null >/dev/null 2>&1 &",
      q(d.dir .. "/load.sh"), q(d.dir), d.port))
    -- let the load get going, so the copy is taken while commits happen
    local deadline = H.now() + 10
    local function posted() return tonumber((H.read_file(d.dir .. "/load.count") or ""):match("%d+") or "0") end
    while H.now() < deadline and posted() < 20 do H.sleep(0.05) end
    local code, out, err = run("backup", d.config.data_dir, backup_file)
    -- the load still runs after the copy (a copy faster than one curl post
    -- may see no post finish while it runs: the load ran around it)
    local after, until_ = posted(), H.now() + 10
    while H.now() < until_ and posted() <= after do H.sleep(0.05) end
    local during = posted()
    H.write_file(d.dir .. "/stop", "")
    assert.are.equal(0, code, err)
    info = cjson.decode(out)
    assert.is_true(info.cases >= 40, out) -- 20 before, at least 20 of the load
    assert.are.equal(1, info.schema)
    assert.are.equal(info.cases, info.next_case)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", info.at)
    assert.is_true(during > after and after >= 20, "the load ran before and after the backup")
    -- the load went on after the copy: the daemon has more than the backup
    H.sleep(0.3)
    assert.is_true(d:count_cases() > info.cases)
  end)

  it("never overwrites a file", function()
    local code, _, err = run("backup", d.config.data_dir, backup_file)
    assert.are.equal(1, code)
    assert.matches("exists; a backup never overwrites a file", err)
  end)

  it("restores into a new directory, and a daemon there serves the same cases", function()
    local dir = d.dir .. "/restored"
    local code, out, err = run("restore", backup_file, dir)
    assert.are.equal(0, code, err)
    assert.are.same(info, cjson.decode(out)) -- it says what the backup covers
    restored = H.new { data_dir = dir }
    restored:start()
    local cases = restored:all_cases()
    assert.are.equal(info.cases, #cases)
    for _, c in ipairs(cases) do
      -- the same case, timeline and decisions, byte for byte
      local s1, _, _, a = d:get("/v1/cases/" .. c.id, "test-read")
      local s2, _, _, b = restored:get("/v1/cases/" .. c.id, "test-read")
      assert.are.same({ 200, 200 }, { s1, s2 })
      assert.are.equal(a, b)
    end
    -- and goes on numbering after the last restored case
    local res = restored:complain { customer = { id = "cust-after" } }
    assert.are.equal(string.format("C%010d", info.next_case + 1), res.case.id)
  end)

  it("refuses a data directory a daemon runs on, or one that holds a store", function()
    local code, _, err = run("restore", backup_file, restored.config.data_dir)
    assert.are.equal(1, code)
    assert.matches("in use by another redressd", err)
    restored:stop()
    code, _, err = run("restore", backup_file, restored.config.data_dir)
    assert.are.equal(1, code)
    assert.matches("already holds a store; restore into an empty directory, or give %-%-force", err)
    code, _, err = run("restore", backup_file, restored.config.data_dir, "--force")
    assert.are.equal(0, code, err)
    restored:start()
    assert.are.equal(info.cases, restored:count_cases()) -- the case made after the restore is gone again
  end)

  it("refuses a file that is not a backup, and wrong usage", function()
    H.write_file(d.dir .. "/not-a-store", "hello")
    local code, _, err = run("restore", d.dir .. "/not-a-store", d.dir .. "/elsewhere")
    assert.are.equal(1, code)
    assert.matches("is not a redress store", err)
    code, _, err = run("backup", d.config.data_dir)
    assert.are.equal(2, code)
    assert.matches("missing argument 'FILE'\nUsage: redress backup %[%-h%] DATA_DIR FILE", err)
    code, _, err = run("restore", backup_file, d.dir .. "/x", "--forse")
    assert.are.equal(2, code)
    assert.matches("unknown option '%-%-forse'\nDid you mean '%-%-force'%?", err)
  end)
end)
