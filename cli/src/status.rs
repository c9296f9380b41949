//! How a command ended, and the process exit code that says so.

use std::process::ExitCode;

/// The outcome of a command; when several things happen, the worst one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Exit 0: nothing to report beyond warnings.
    Success,
    /// Exit 1: a policy has errors, or is not formatted under `fmt --check`.
    Failure,
    /// Exit 2: a usage or I/O problem (unreadable file, unwritable output).
    Trouble,
}

impl Status {
    /// The worse of two outcomes, e.g. `Success.worst(Failure)` is `Failure`.
    #[must_use]
    pub fn worst(self, other: Status) -> Status {
        self.max(other)
    }

    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Trouble => 2,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}
