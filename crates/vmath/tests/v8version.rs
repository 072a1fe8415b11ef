//! The V8-version table behind the pow choice, and V8 13+'s std pow
//! (`PowImpl::V8Std`) on the inputs where it differs from the plain host pow.

use napi_parallel_vmath as vm;
use vm::{PowImpl, V8Version, v8version};

#[macro_use]
mod common;

const fn v(major: u32, minor: u32) -> V8Version {
  V8Version { major, minor }
}

#[test]
fn parses_process_versions_v8() {
  assert_eq!(V8Version::parse("11.3.244.8-node.38"), Some(v(11, 3)));
  assert_eq!(V8Version::parse("13.6.233.17-node.63"), Some(v(13, 6)));
  assert_eq!(V8Version::parse("14.6"), Some(v(14, 6)));
  assert_eq!(V8Version::parse("14"), None);
  assert_eq!(V8Version::parse("x.y"), None);
  assert_eq!(v(13, 6).to_string(), "13.6");
}

#[test]
fn each_node_line_gets_its_pow() {
  assert_eq!(
    v8version::pow_impl_for(v(11, 3)),
    (PowImpl::NodeSymbol, true)
  ); // Node 20
  assert_eq!(
    v8version::pow_impl_for(v(12, 4)),
    (PowImpl::NodeSymbol, true)
  ); // Node 22
  assert_eq!(v8version::pow_impl_for(v(13, 6)), (PowImpl::V8Std, true)); // Node 24
  assert_eq!(v8version::pow_impl_for(v(14, 6)), (PowImpl::V8Std, true)); // Node 26
  // Unknown versions: the best guess, flagged as unknown.
  assert_eq!(v8version::pow_impl_for(v(15, 1)), (PowImpl::V8Std, false));
  assert_eq!(
    v8version::pow_impl_for(v(12, 9)),
    (PowImpl::NodeSymbol, false)
  );
}

#[test]
fn outside_node_there_is_no_v8_and_the_port_is_used() {
  assert_eq!(v8version::running(), None);
  let s = vm::pow_selection();
  assert_eq!(s.v8, None);
  assert!(s.known);
  assert_eq!(s.pick, PowImpl::Port);
}

#[test]
fn reads_no_use_std_math_pow_from_the_node_options_only() {
  let cmd = |args: &[&str]| args.join("\0").into_bytes();
  assert!(!v8version::std_pow_disabled_in(&cmd(&["node", "app.js"])));
  assert!(v8version::std_pow_disabled_in(&cmd(&[
    "node",
    "--no-use-std-math-pow",
    "app.js"
  ])));
  assert!(v8version::std_pow_disabled_in(&cmd(&[
    "node",
    "--no_use_std_math_pow",
    "app.js"
  ])));
  assert!(v8version::std_pow_disabled_in(&cmd(&[
    "node",
    "--use-std-math-pow=false",
    "x.js"
  ])));
  // The last one wins; after the script the arguments are the script's.
  assert!(!v8version::std_pow_disabled_in(&cmd(&[
    "node",
    "--no-use-std-math-pow",
    "--use-std-math-pow",
    "x.js"
  ])));
  assert!(!v8version::std_pow_disabled_in(&cmd(&[
    "node",
    "app.js",
    "--no-use-std-math-pow"
  ])));
}

#[test]
fn v8_std_pow_takes_v8s_shortcuts() {
  // Values recorded from Node 24.22.3 and 26.12.1 (`x ** 2`, `x ** 0.5`),
  // where glibc's pow alone gives the other neighbour.
  let x = 0.3275058557683157;
  assert_bits!(vm::js_pow_with(PowImpl::V8Std, x, 2.0), 0.10726008556253681);
  assert_bits!(vm::js_pow_with(PowImpl::Host, x, 2.0), 0.1072600855625368);
  let x = 0.0945231041001219;
  assert_bits!(vm::js_pow_with(PowImpl::V8Std, x, 0.5), 0.3074460995038348);
  assert_bits!(vm::js_pow_with(PowImpl::Host, x, 0.5), 0.30744609950383484);
  // The example kernel `x ** 0.5 + 2 ** (x % 4)`.
  let x = 857.8729195750057f64;
  let k = |p| vm::js_pow_with(p, x, 0.5) + vm::js_pow_with(p, 2.0, x % 4.0);
  assert_bits!(k(PowImpl::V8Std), 32.95219828042948);
  assert_bits!(k(PowImpl::Host), 32.952198280429485);
  // sqrt's edge cases under V8's rules.
  assert_bits!(vm::js_pow_with(PowImpl::V8Std, -0.0, 0.5), 0.0);
  assert_bits!(
    vm::js_pow_with(PowImpl::V8Std, f64::NEG_INFINITY, 0.5),
    f64::INFINITY
  );
  assert_bits!(vm::js_pow_with(PowImpl::V8Std, -4.0, 0.5), f64::NAN);
  // Node 24's std pow vs fdlibm: `10 ** -5 === 1e-5` only under V8Std.
  assert_bits!(vm::js_pow_with(PowImpl::V8Std, 10.0, -5.0), 1e-5);
  assert_bits!(
    vm::js_pow_with(PowImpl::Port, 10.0, -5.0),
    0.000009999999999999999
  );
  // The JS special cases apply to every implementation.
  for p in [
    PowImpl::V8Std,
    PowImpl::Port,
    PowImpl::Host,
    PowImpl::NodeSymbol,
  ] {
    assert_bits!(vm::js_pow_with(p, 1.0, f64::INFINITY), f64::NAN);
    assert_bits!(vm::js_pow_with(p, f64::NAN, 0.0), 1.0);
    assert_bits!(vm::js_pow_with(p, f64::NAN, 2.0), f64::NAN);
  }
}
