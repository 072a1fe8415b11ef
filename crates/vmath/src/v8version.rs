//! Which V8 runs this process, and which `**` / `Math.pow` it computes.
//!
//! What changed between V8 versions (checked against the official Node
//! binaries 20.20.2, 22.23.5, 24.22.3 and 26.12.1 on linux-x64):
//!
//! * V8 11.3 (Node 20) and 12.4 (Node 22): `**` is fdlibm's pow
//!   (`v8::base::ieee754::pow`, exported by the node binary).
//! * V8 13.6 (Node 24) and 14.6 (Node 26): `v8::internal::math::pow`, which,
//!   under the default `--use-std-math-pow`, applies the JS special cases,
//!   then `y == 2` gives `x * x`, `y == 0.5` gives `sqrt(x + 0)` (`+Infinity`
//!   for `±Infinity`), and anything else the host's `std::pow` (glibc).
//!   `ieee754::pow` is renamed `ieee754::legacy::pow` and is what
//!   `--no-use-std-math-pow` computes.
//!
//! The running version comes from the node binary's exported
//! `v8::V8::GetVersion()` (the same string as `process.versions.v8`).

use crate::resolve::{PowImpl, lookup_symbol};
use std::ffi::{CStr, c_char, c_void};

/// A V8 version as `major.minor` (the build and patch numbers never changed
/// what `**` computes within one Node line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct V8Version {
  /// e.g. 13 for `13.6.233.17-node.63`.
  pub major: u32,
  /// e.g. 6 for `13.6.233.17-node.63`.
  pub minor: u32,
}

impl V8Version {
  /// Parses `process.versions.v8`-style text: `"13.6.233.17-node.63"` → 13.6.
  pub fn parse(text: &str) -> Option<V8Version> {
    let mut it = text.split(['.', '-']);
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some(V8Version { major, minor })
  }
}

impl std::fmt::Display for V8Version {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    write!(f, "{}.{}", self.major, self.minor)
  }
}

/// The V8 versions whose `**` was compared bit for bit with this crate
/// (vectors in `tests/data/`), with the pow each computes.
pub const KNOWN: [(V8Version, PowImpl); 4] = [
  (
    V8Version {
      major: 11,
      minor: 3,
    },
    PowImpl::NodeSymbol,
  ), // Node 20
  (
    V8Version {
      major: 12,
      minor: 4,
    },
    PowImpl::NodeSymbol,
  ), // Node 22
  (
    V8Version {
      major: 13,
      minor: 6,
    },
    PowImpl::V8Std,
  ), // Node 24
  (
    V8Version {
      major: 14,
      minor: 6,
    },
    PowImpl::V8Std,
  ), // Node 26
];

/// The pow V8 `v` computes (with its default flags), and whether `v` is one
/// of [`KNOWN`]. An unknown version gets the best guess: the implementation
/// of the nearest known version at or below it (fdlibm before 13, else the
/// std pow with V8's shortcuts).
pub fn pow_impl_for(v: V8Version) -> (PowImpl, bool) {
  if let Some(&(_, p)) = KNOWN.iter().find(|(k, _)| *k == v) {
    return (p, true);
  }
  let guess = if v.major >= 13 {
    PowImpl::V8Std
  } else {
    PowImpl::NodeSymbol
  };
  (guess, false)
}

/// The version of the V8 this code runs in, from the node binary's exported
/// `v8::V8::GetVersion()`; `None` outside Node (e.g. under `cargo test`).
pub fn running() -> Option<V8Version> {
  let p = lookup_symbol("_ZN2v82V810GetVersionEv")?;
  // SAFETY: the symbol is `static const char* v8::V8::GetVersion()`: no
  // arguments, returns a pointer to a static NUL-terminated string.
  let f = unsafe { std::mem::transmute::<*mut c_void, extern "C" fn() -> *const c_char>(p) };
  let s = f();
  if s.is_null() {
    return None;
  }
  // SAFETY: non-null, NUL-terminated and static (V8's version string).
  let text = unsafe { CStr::from_ptr(s) }.to_str().ok()?;
  V8Version::parse(text)
}

/// True when the process was started with `--no-use-std-math-pow` (or
/// `--use-std-math-pow=false`), which makes V8 13+ compute fdlibm's pow
/// again. Reads the node options from `/proc/self/cmdline` (up to the
/// script name); a flag set later with `v8.setFlagsFromString` is not seen.
pub fn std_pow_disabled() -> bool {
  let Ok(bytes) = std::fs::read("/proc/self/cmdline") else {
    return false;
  };
  std_pow_disabled_in(&bytes)
}

/// [`std_pow_disabled`] on a NUL-separated command line (argv[0] first).
pub fn std_pow_disabled_in(cmdline: &[u8]) -> bool {
  let mut disabled = false;
  for arg in cmdline.split(|&b| b == 0).skip(1) {
    if arg.first() != Some(&b'-') || arg == b"--" {
      break; // the script (or `--`): the rest are the script's own arguments
    }
    let a = String::from_utf8_lossy(arg).replace('_', "-");
    match a.as_str() {
      "--no-use-std-math-pow" | "--use-std-math-pow=false" => disabled = true,
      "--use-std-math-pow" | "--use-std-math-pow=true" => disabled = false,
      _ => {}
    }
  }
  disabled
}
