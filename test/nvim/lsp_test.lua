-- Tier 2: Neovim (0.7+) as a real LSP client of dist/server.js over stdio.
-- Env: SERVER (dist/server.js), ROOT (a copy of examples/), FILE (its default collection.toml).
-- Exits 0 when every check passes, non-zero otherwise (the reason is printed on stderr).
local function log(...)
  io.stderr:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n')
end
local function finish(code)
  log(code == 0 and 'RESULT: PASS' or 'RESULT: FAIL')
  vim.cmd(code == 0 and 'qall!' or ('cquit ' .. code))
end

local function code_of(d)
  if d.code then return d.code end
  return d.user_data and d.user_data.lsp and d.user_data.lsp.code
end

local ok, err = pcall(function()
  local server, root, file = os.getenv('SERVER'), os.getenv('ROOT'), os.getenv('FILE')
  assert(server and root and file, 'SERVER, ROOT and FILE must be set')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'skillmeat',
    cmd = { 'node', server, '--stdio' },
    cmd_env = { HOME = root },
    root_dir = root,
    init_options = { collectionsRoot = root .. '/collections', debounceMs = 20, settleMs = 60 },
  })
  assert(client_id, 'start_client failed')
  vim.lsp.buf_attach_client(bufnr, client_id)

  -- 1) the seeded unknown member is reported on the open buffer
  local function unknown()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if code_of(d) == 'unknown-reference' and d.message:find('skill:pdf-tool', 1, true) then return d end
    end
  end
  assert(vim.wait(15000, function() return unknown() ~= nil end, 20), 'no unknown-reference diagnostic within 15 s')
  local d = unknown()
  log(('diagnostic: line %d col %d: %s'):format(d.lnum + 1, d.col + 1, d.message))
  assert(d.lnum == 112 and d.col == 11, 'unexpected position ' .. d.lnum .. ':' .. d.col)

  -- 2) hover on the pdf-tools entry names its uuid
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = 10, character = 9 } }
  local res = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 5000)
  assert(res and res[client_id] and res[client_id].result, 'no hover result')
  local contents = res[client_id].result.contents
  local text = type(contents) == 'table' and (contents.value or vim.inspect(contents)) or contents
  log('hover: ' .. text:gsub('\n', ' | '):sub(1, 200))
  assert(text:find('9b2e6c1f04a84d7e8c3b5a6f7e8d9c0b', 1, true), 'hover lacks the uuid of pdf-tools')

  -- 3) go to definition from the group member agent:release-notes to its entry (line 43)
  local def = vim.lsp.buf_request_sync(bufnr, 'textDocument/definition', { textDocument = params.textDocument, position = { line = 112, character = 40 } }, 5000)
  local loc = def and def[client_id] and def[client_id].result and def[client_id].result[1]
  assert(loc and loc.range.start.line == 42, 'definition did not land on the release-notes entry')
  log('definition: line ' .. (loc.range.start.line + 1))

  -- 4) editing the buffer (didChange) clears the finding
  local line = vim.api.nvim_buf_get_lines(bufnr, 112, 113, false)[1]
  vim.api.nvim_buf_set_lines(bufnr, 112, 113, false, { (line:gsub('"skill:pdf%-tool"', '"skill:pdf-tools"')) })
  assert(vim.wait(10000, function() return unknown() == nil end, 20), 'unknown-reference not cleared after the edit')
  log('diagnostic cleared after edit')
  vim.lsp.stop_client(client_id)
end)
if not ok then
  log('ERROR: ' .. tostring(err))
  finish(1)
else
  finish(0)
end
