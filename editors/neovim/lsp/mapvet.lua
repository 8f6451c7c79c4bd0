-- mapvet language server for Neovim 0.11+.
-- With this directory on 'runtimepath' (or this file copied to
-- ~/.config/nvim/lsp/mapvet.lua), `vim.lsp.enable('mapvet')` is all it takes.
return {
  cmd = { 'mapvet', 'server' },
  filetypes = { 'go' },
  root_markers = { 'go.work', 'go.mod', 'mapvet.toml', '.mapvet.toml', '.git' },
}
