-- Driven by tests/test_neovim.py inside a real headless Neovim, after the README's set-up block
-- (passed with -u) has attached bnlint to the opened Python buffer. It goes through Neovim's own
-- client: diagnostics as vim.diagnostic holds them, a quick fix chosen through vim.ui.select and
-- applied by vim.lsp.buf.code_action, and the hover response. Results go to $BNLINT_NVIM_RESULT.
local out_path = os.getenv("BNLINT_NVIM_RESULT")
local result = { diagnostics = {}, steps = {} }
local buf = vim.api.nvim_get_current_buf()

local function finish()
  local fh = io.open(out_path, "w")
  fh:write(vim.fn.json_encode(result))
  fh:close()
  vim.cmd("qa!")
end

local function code_of(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

local function bnlint_diagnostics()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == "bnlint" then table.insert(found, d) end
  end
  return found
end

local ok = vim.wait(60000, function() return #bnlint_diagnostics() > 0 end, 50)
table.insert(result.steps, "diagnostics:" .. tostring(ok))
if not ok then return finish() end
local first = bnlint_diagnostics()[1]
for _, d in ipairs(bnlint_diagnostics()) do
  table.insert(result.diagnostics, { line = d.lnum + 1, col = d.col + 1, code = code_of(d), message = d.message })
end

-- Hover on the diagnostic: Neovim sends textDocument/hover; keep what the server answers.
vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
local hover
vim.lsp.handlers["textDocument/hover"] = function(_, res)
  hover = res and res.contents or vim.NIL
end
vim.lsp.buf.hover()
ok = vim.wait(20000, function() return hover ~= nil end, 50)
table.insert(result.steps, "hover:" .. tostring(ok))
if type(hover) == "table" then result.hover = hover.value or hover end

-- Quick fix: answer Neovim's own selection prompt with bnlint's fix for this diagnostic.
local offered = {}
vim.ui.select = function(items, _, on_choice)
  for i, item in ipairs(items) do
    local action = item.action or item[2] -- 0.8+: {ctx=, action=}; 0.7: {client_id, action}
    table.insert(offered, action.title)
  end
  for i, item in ipairs(items) do
    local action = item.action or item[2]
    if action.title:find("^bnlint: ") and not action.title:find("Fix all") then
      return on_choice(item, i)
    end
  end
  on_choice(nil, nil)
end
local before = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
vim.lsp.buf.code_action()
ok = vim.wait(20000, function()
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") ~= before
end, 50)
table.insert(result.steps, "quickfix:" .. tostring(ok))
result.offered = offered
result.fixed_text = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

-- The server lints the edited buffer again (didChange): the finding the fix was for goes away.
ok = vim.wait(20000, function()
  for _, d in ipairs(bnlint_diagnostics()) do
    if code_of(d) == code_of(first) then return false end
  end
  return true
end, 50)
table.insert(result.steps, "relinted:" .. tostring(ok))
result.after = {}
for _, d in ipairs(bnlint_diagnostics()) do
  table.insert(result.after, { line = d.lnum + 1, code = code_of(d) })
end
finish()
