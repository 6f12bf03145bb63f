use serde::Serialize;
use std::fmt;

/// Input that could not be read: a file, and the line when there is one.
/// Reported next to the findings; the rest of the input is still scanned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InputError {
    pub file: String,
    /// 1-based; 0 when the error concerns the whole file.
    pub line: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub column: u32,
    pub message: String,
}

impl InputError {
    /// An error about the files `paths` as a whole (no line).
    pub fn about_files(paths: &[std::path::PathBuf], message: impl Into<String>) -> InputError {
        InputError {
            file: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (l, 0) => write!(f, "{}:{l}: {}", self.file, self.message),
            (l, c) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
        }
    }
}
