-- A real LSP client for scripts/nvim-lsp.sh: headless Neovim (0.7+, so
-- vim.lsp.start_client and vim.lsp.buf_attach_client, not vim.lsp.start)
-- starts `$MAPVET_BIN server` in $MAPVET_FIXTURE, opens its Go files and
-- checks what the server sends:
--   1. diagnostics: exactly the `// expect <rule>` comments of the files;
--   2. hover on one of them names its rule;
--   3. textDocument/codeAction offers "Ignore <rule> on this line"; applying
--      it edits the buffer, Neovim sends didChange, and the diagnostic goes;
--   4. shutdown and exit: the server exits with code 0.
-- Prints one line per diagnostic (file:line:col code message) and exits
-- non-zero on the first failed check.

local bin = assert(os.getenv('MAPVET_BIN'), 'MAPVET_BIN is not set')
local dir = assert(os.getenv('MAPVET_FIXTURE'), 'MAPVET_FIXTURE is not set')
local timeout = 30000

local function say(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

local function finish(code, why)
  if why then
    say('FAIL: ' .. why)
  end
  os.exit(code)
end

-- Diagnostics as the server sent them, by URI, and how many times each
-- URI was published.
local published, count = {}, {}
local server_exit, server_info

local handlers = {
  ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
    published[result.uri] = result.diagnostics
    count[result.uri] = (count[result.uri] or 0) + 1
    vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
  end,
  ['window/showMessage'] = function(_, result)
    say('server message: ' .. result.message)
  end,
}

local client_id = vim.lsp.start_client({
  name = 'mapvet',
  cmd = { bin, 'server' },
  root_dir = dir,
  handlers = handlers,
  on_init = function(_, result)
    server_info = result.serverInfo
  end,
  on_exit = function(code)
    server_exit = code
  end,
})
if not client_id then
  finish(1, 'could not start ' .. bin .. ' server')
end

-- Open every Go file of the fixture and note its expected findings.
local files = vim.fn.sort(vim.fn.glob(dir .. '/*.go', false, true))
local docs = {} -- { name, buf, uri, expected = { "line code" = true } }
for _, path in ipairs(files) do
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'go'
  local doc = {
    name = vim.fn.fnamemodify(path, ':t'),
    buf = buf,
    uri = vim.uri_from_bufnr(buf),
    expected = {},
  }
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local rule = line:match('// expect ([%w-]+)')
    if rule then
      doc.expected[i .. ' ' .. rule] = true
    end
  end
  vim.lsp.buf_attach_client(buf, client_id)
  table.insert(docs, doc)
end

-- Waits for cond; a server that exits meanwhile fails at once.
local function wait_for(what, cond, exiting)
  local ok = vim.wait(timeout, function()
    return cond() or (server_exit ~= nil and not exiting)
  end, 50)
  if server_exit ~= nil and not exiting then
    finish(1, 'the server exited (code ' .. server_exit .. ') while waiting for ' .. what)
  end
  if not ok then
    finish(1, 'timed out after ' .. timeout / 1000 .. ' s waiting for ' .. what)
  end
end

-- Compares what was published with the `// expect` comments; returns the
-- differences and the first nil-map-write (for steps 2 and 3).
local function compare()
  local problems, first = {}, nil
  for _, doc in ipairs(docs) do
    local seen = {}
    for _, d in ipairs(published[doc.uri] or {}) do
      local line = d.range.start.line + 1
      local key = line .. ' ' .. tostring(d.code)
      seen[key] = true
      if not doc.expected[key] then
        table.insert(problems, ('unexpected %s at %s:%d'):format(tostring(d.code), doc.name, line))
      end
      if d.source ~= 'mapvet' then
        table.insert(problems, ('source %q, not "mapvet"'):format(tostring(d.source)))
      end
      if d.code == 'nil-map-write' and not first then
        first = { doc = doc, diag = d }
      end
    end
    if not published[doc.uri] then
      table.insert(problems, 'nothing published for ' .. doc.name)
    end
    for key in pairs(doc.expected) do
      if not seen[key] then
        table.insert(problems, ('missing %s (line %s of %s)'):format(
          key:match(' (.*)'), key:match('^%d+'), doc.name))
      end
    end
  end
  return problems, first
end

-- Wait until the published diagnostics are the expected ones (a first
-- publish may be superseded by a later one), then let a re-lint settle.
local matched = vim.wait(timeout, function()
  return #compare() == 0 or server_exit ~= nil
end, 50)
vim.wait(300)

local client = vim.lsp.get_client_by_id(client_id)
local info = server_info or {}
say(('server: %s %s, position encoding %s'):format(
  info.name or '?', info.version or '?',
  client and client.server_capabilities.positionEncoding or 'utf-16 (default)'))

-- 1. Exactly the expected diagnostics, each from mapvet.
say('diagnostics received:')
for _, doc in ipairs(docs) do
  for _, d in ipairs(published[doc.uri] or {}) do
    say(('  %s:%d:%d %s %s'):format(doc.name, d.range.start.line + 1,
      d.range.start.character + 1, tostring(d.code), d.message))
  end
end
local problems, first = compare()
if server_exit ~= nil then
  finish(1, 'the server exited (code ' .. server_exit .. ') before publishing the expected diagnostics')
end
if #problems > 0 then
  finish(1, (matched and '' or 'after ' .. timeout / 1000 .. ' s: ') .. table.concat(problems, '; '))
end
if not first then
  finish(1, 'the fixture has no nil-map-write to act on')
end
local doc, diag = first.doc, first.diag

-- 2. Hover on the finding.
local hover = vim.lsp.buf_request_sync(doc.buf, 'textDocument/hover', {
  textDocument = { uri = doc.uri },
  position = diag.range.start,
}, timeout)
local contents = hover and hover[client_id] and hover[client_id].result
  and hover[client_id].result.contents
local text = contents and (contents.value or vim.inspect(contents)) or ''
if not text:find('nil-map-write', 1, true) then
  finish(1, 'hover did not name nil-map-write: ' .. vim.inspect(hover))
end
say('hover: ' .. vim.split(text, '\n')[1])

-- 3. Code actions on the finding.
local reply = vim.lsp.buf_request_sync(doc.buf, 'textDocument/codeAction', {
  textDocument = { uri = doc.uri },
  range = diag.range,
  context = { diagnostics = { diag } },
}, timeout)
local actions = reply and reply[client_id] and reply[client_id].result
if not actions then
  finish(1, 'no reply to textDocument/codeAction: ' .. vim.inspect(reply))
end
say('code actions:')
local ignore
for _, a in ipairs(actions) do
  say(('  [%s] %s'):format(a.kind or '-', a.title))
  if a.title:find('^Ignore nil%-map%-write') then
    ignore = a
  end
end
if not ignore or not ignore.edit then
  finish(1, 'no "Ignore nil-map-write ..." action with an edit')
end

local before = count[doc.uri]
vim.lsp.util.apply_workspace_edit(ignore.edit, client.offset_encoding or 'utf-16')
wait_for('diagnostics after the edit', function()
  return count[doc.uri] > before
    and not vim.tbl_contains(vim.tbl_map(function(d)
      return d.code
    end, published[doc.uri]), 'nil-map-write')
end)
local row = diag.range.start.line -- the directive went in above the finding
say('after applying it: line ' .. (row + 1) .. ' is now'
  .. ' "' .. vim.trim(vim.api.nvim_buf_get_lines(doc.buf, row, row + 1, false)[1]) .. '"'
  .. ', ' .. #published[doc.uri] .. ' diagnostic(s) left in ' .. doc.name)

-- 4. Orderly shutdown.
vim.lsp.stop_client(client_id)
wait_for('the server to exit', function()
  return server_exit ~= nil
end, true)
if server_exit ~= 0 then
  finish(1, 'server exited with code ' .. tostring(server_exit))
end
say('server exited with code 0 after shutdown')
say('PASS')
finish(0)
