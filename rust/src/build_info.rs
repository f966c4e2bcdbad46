//! What this build of the core is: version, compiled-in capabilities and threading.
//!
//! `axolotl_fast.build_info()` returns it and the plugin's run report records it, so a bug report
//! says which build it came from.

use crate::error::Result;
use crate::parallel;

/// A description of the running build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The crate version, equal to the Python package version.
    pub version: &'static str,
    /// Compiled-in capabilities (formats, codecs, bindings), sorted.
    pub features: Vec<&'static str>,
    /// Worker threads parallel kernels will use in this process.
    pub num_threads: usize,
    /// False in a child forked after the thread pool was used (see [`crate::parallel`]).
    pub parallelism_enabled: bool,
    /// `"release"` or `"debug"`.
    pub profile: &'static str,
    /// The target, as `arch-os`.
    pub target: String,
}

/// The crate version, equal to the Python package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Describes the running build.
///
/// Fails when the thread-count setting is invalid (see [`crate::parallel::num_threads`]).
pub fn build_info() -> Result<BuildInfo> {
    Ok(BuildInfo {
        version: VERSION,
        features: compiled_features(),
        num_threads: parallel::num_threads()?,
        parallelism_enabled: parallel::parallelism_enabled(),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        target: format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS),
    })
}

fn compiled_features() -> Vec<&'static str> {
    let mut features = vec![
        "arrow-csv",
        "arrow-ipc",
        "arrow-ipc-lz4",
        "arrow-ipc-zstd",
        "arrow-json",
        "parquet",
    ];
    if cfg!(feature = "python") {
        features.push("python");
    }
    if cfg!(feature = "test-hooks") {
        features.push("test-hooks");
    }
    features.sort_unstable();
    features
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_the_crate() -> Result<()> {
        assert_eq!(build_info()?.version, env!("CARGO_PKG_VERSION"));
        Ok(())
    }

    #[test]
    fn features_are_sorted_and_name_the_core_formats() -> Result<()> {
        let features = build_info()?.features;
        let mut sorted = features.clone();
        sorted.sort_unstable();
        assert_eq!(features, sorted);
        assert!(features.contains(&"parquet"));
        assert_eq!(features.contains(&"python"), cfg!(feature = "python"));
        Ok(())
    }

    #[test]
    fn profile_follows_debug_assertions() -> Result<()> {
        let expected = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        let info = build_info()?;
        assert_eq!(info.profile, expected);
        assert!(info.num_threads >= 1);
        Ok(())
    }
}
