//! A value that failed to parse, described the way a user needs to fix it: what is wrong with it
//! and what was expected instead. The reader that found it adds the line, column and value.

use std::fmt;

/// Why one value was refused. `what` completes the sentence `"VALUE" …` and `expected` says what
/// would have been accepted, so that the message tells the user what to type instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub what: String,
    pub expected: String,
}

impl Problem {
    pub fn new(what: impl Into<String>, expected: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; expected {}", self.what, self.expected)
    }
}

impl std::error::Error for Problem {}
