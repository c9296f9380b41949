//! Reading inputs and writing outputs, with every I/O problem reported on stderr.
//!
//! Nothing here panics: `print!`-style macros panic on a closed pipe, so all output goes
//! through [`write_stdout`] and [`write_stderr`], which turn failures into a [`Status`].

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::status::Status;

/// Where a command reads a policy from: a file, or standard input for `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn new(path: &Path) -> Input {
        if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(path.to_path_buf())
        }
    }

    /// The name shown in messages, e.g. `examples/maple.procura` or `<stdin>`.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_owned(),
            Input::File(path) => path.display().to_string(),
        }
    }

    /// Reads the whole input as bytes; on failure reports it and returns exit status 2.
    pub fn read(&self) -> Result<Vec<u8>, Status> {
        let result = match self {
            Input::Stdin => {
                let mut bytes = Vec::new();
                io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
            }
            Input::File(path) => fs::read(path),
        };
        result.map_err(|err| {
            report_error(&format!("cannot read {}: {err}", self.display()));
            Status::Trouble
        })
    }
}

/// Replaces a file's contents; on failure reports it and returns exit status 2.
pub fn write_file(path: &Path, contents: &str) -> Status {
    match fs::write(path, contents) {
        Ok(()) => Status::Success,
        Err(err) => {
            report_error(&format!("cannot write {}: {err}", path.display()));
            Status::Trouble
        }
    }
}

/// Writes to stdout; a failure (e.g. a closed pipe) is exit status 2, not a panic.
pub fn write_stdout(bytes: &[u8]) -> Status {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Status::Success,
        Err(_) => Status::Trouble,
    }
}

/// Writes to stderr; a failure is exit status 2, not a panic.
pub fn write_stderr(bytes: &[u8]) -> Status {
    let mut stderr = io::stderr().lock();
    match stderr.write_all(bytes).and_then(|()| stderr.flush()) {
        Ok(()) => Status::Success,
        Err(_) => Status::Trouble,
    }
}

/// Prints `procura: <message>` on stderr.
pub fn report_error(message: &str) {
    let _ = write_stderr(format!("procura: {message}\n").as_bytes());
}
