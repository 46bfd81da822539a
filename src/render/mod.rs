//! Rendering for people and machines: plans as text, container listings,
//! JSON results. Pure functions of their inputs (the terminal's step lines
//! and summaries are the binary's, in `commands/report.rs`).

pub mod json;
pub mod list;
pub mod text;

use std::io::IsTerminal;

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    /// Whether to write colour codes.
    pub color: bool,
}

impl Paint {
    /// Colour only on a terminal, and never with `NO_COLOR` set.
    pub fn for_stdout() -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Paint {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    /// No colour.
    pub fn plain() -> Paint {
        Paint { color: false }
    }

    /// A style that colours only when `color` is set.
    pub fn style(&self) -> console::Style {
        console::Style::new().force_styling(self.color)
    }
}
