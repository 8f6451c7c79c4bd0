//! Zed extension: starts `mapvet server` for Go files. The binary is
//! `lsp.mapvet.binary.path` from Zed's settings if set, else `mapvet` found
//! on the worktree's PATH; `lsp.mapvet.binary.arguments` replaces the
//! default `["server"]`.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct Mapvet;

impl zed::Extension for Mapvet {
    fn new() -> Self {
        Mapvet
    }

    fn language_server_command(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.binary);
        let configured = binary.as_ref().and_then(|b| b.path.clone());
        let command = match configured.or_else(|| worktree.which("mapvet")) {
            Some(path) => path,
            None => {
                return Err("mapvet was not found on PATH: install it with \
                    `cargo install --locked --path <mapvet checkout>` or set \
                    lsp.mapvet.binary.path in Zed's settings"
                    .into())
            }
        };
        let args = binary
            .as_ref()
            .and_then(|b| b.arguments.clone())
            .unwrap_or_else(|| vec!["server".into()]);
        let mut env = worktree.shell_env();
        if let Some(extra) = binary.and_then(|b| b.env) {
            env.extend(extra);
        }
        Ok(zed::Command { command, args, env })
    }
}

zed::register_extension!(Mapvet);
