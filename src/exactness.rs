//! Which `Math.pow` the kernels compute, as the JS side reports it: the
//! running V8's version and whether this build was checked against it.

use napi_derive::napi;

/// How the kernels' `**` / `Math.pow` matches the running V8.
#[napi(object, namespace = "internal")]
pub struct PowExactness {
  /// The V8 version found (`major.minor`, e.g. `"13.6"`), or null outside Node.
  pub v8: Option<String>,
  /// True when that V8 is one the pow was checked against bit for bit.
  pub known: bool,
  /// The implementation in use (`"NodeSymbol"`, `"Port"`, `"V8Std"`, `"Host"`).
  pub pow: String,
}

/// The kernels' pow selection for this process (`lib/load.js` warns once when
/// the V8 is unknown).
#[napi(namespace = "internal", catch_unwind)]
pub fn pow_exactness() -> PowExactness {
  let selection = napi_parallel_vmath::pow_selection();
  PowExactness {
    v8: selection.v8.map(|v| v.to_string()),
    known: selection.known,
    pow: format!("{:?}", napi_parallel_vmath::pow_impl()),
  }
}
