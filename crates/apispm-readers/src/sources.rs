use std::fmt;
use std::path::{Path, PathBuf};

/// One input to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file named on the command line: if it cannot be used, the run stops.
    File(PathBuf),
    /// A file found inside a named folder: one that is not a log is skipped with a warning,
    /// so that a log directory's README or state files do not stop the run.
    Found(PathBuf),
    Stdin,
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) | Source::Found(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::File(p) | Source::Found(p) => Some(p),
            Source::Stdin => None,
        }
    }

    pub fn is_gzip_name(&self) -> bool {
        self.path()
            .is_some_and(|p| p.extension().is_some_and(|e| e == "gz"))
    }
}

/// A problem with an input as a whole: the run cannot use it (exit code 2).
#[derive(Debug)]
pub struct InputError {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for InputError {}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

impl InputError {
    pub fn io(path: &Path, e: &std::io::Error) -> Self {
        InputError {
            path: path.display().to_string(),
            reason: io_reason(e),
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<Source>) -> Result<(), InputError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::io(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(Source::Found(p));
        }
    }
    Ok(())
}

/// Expands command-line inputs: files as given, folders recursively (sorted, hidden entries
/// skipped), `-` for standard input. A missing input is an error naming it.
pub fn expand<S: AsRef<str>>(inputs: &[S]) -> Result<Vec<Source>, InputError> {
    let mut out = Vec::new();
    for input in inputs {
        let input = input.as_ref();
        if input == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let p = PathBuf::from(input);
        let meta = std::fs::metadata(&p).map_err(|e| InputError::io(&p, &e))?;
        if meta.is_dir() {
            walk(&p, &mut out)?;
        } else {
            out.push(Source::File(p));
        }
    }
    Ok(out)
}
