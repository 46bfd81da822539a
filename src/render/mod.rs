//! Rendering for people and machines, pure functions of their inputs:
//! plans as text (`text`), container listings (`list`), and what an
//! execution did, as text lines (`report`: a line per step, the summary)
//! and as their JSON twins (`json`: the step, summary and error events).

pub mod json;
pub mod list;
pub mod report;
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
