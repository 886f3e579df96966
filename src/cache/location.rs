//! Where the cache file lives: `--cache PATH`, else `KQLAB_CACHE`, else
//! `$XDG_CACHE_HOME/kqlab/schemas.sqlite`, else `~/.cache/kqlab/schemas.sqlite`
//! (`%LOCALAPPDATA%\kqlab\schemas.sqlite` on Windows).

use std::path::{Path, PathBuf};

use crate::cache::Error;

/// The environment variable that names the cache file.
pub const ENV_VAR: &str = "KQLAB_CACHE";

/// The cache file's name inside the cache directory.
pub const FILE_NAME: &str = "schemas.sqlite";

/// The environment variable that sets the busy timeout in milliseconds
/// (default 5000): how long to wait for another process's write.
pub const TIMEOUT_ENV_VAR: &str = "KQLAB_CACHE_TIMEOUT_MS";

/// The busy timeout: `KQLAB_CACHE_TIMEOUT_MS`, else [`Cache::DEFAULT_BUSY_TIMEOUT`](crate::cache::Cache::DEFAULT_BUSY_TIMEOUT).
pub fn busy_timeout() -> std::time::Duration {
    std::env::var(TIMEOUT_ENV_VAR)
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map_or(crate::cache::Cache::DEFAULT_BUSY_TIMEOUT, std::time::Duration::from_millis)
}

/// The cache file to use: `explicit` (from `--cache`) when given.
pub fn cache_path(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let variable = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    if let Some(path) = variable(ENV_VAR) {
        return Ok(path);
    }
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(dir) = variable("XDG_CACHE_HOME").filter(|dir| dir.is_absolute()) {
        return Ok(dir.join("kqlab").join(FILE_NAME));
    }
    if cfg!(windows)
        && let Some(dir) = variable("LOCALAPPDATA")
    {
        return Ok(dir.join("kqlab").join(FILE_NAME));
    }
    let home = variable("HOME").or_else(|| variable("USERPROFILE")).ok_or(Error::NoCacheDir)?;
    Ok(home.join(".cache").join("kqlab").join(FILE_NAME))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::cache_path;

    #[test]
    fn an_explicit_path_wins() {
        assert_eq!(cache_path(Some(Path::new("/tmp/x.sqlite"))).expect("path"), Path::new("/tmp/x.sqlite"));
    }
}
