//! One place that turns error kinds into JS errors with a Node-style `code`.
//!
//! Every binding returns [`NpError`]: synchronously with [`NpError::throw`],
//! or from a pool job, where the bridge rejects the task's Promise with
//! [`NpError::to_js`]. Nothing else in the crate builds JS errors.

use std::borrow::Cow;
use std::ffi::CString;
use std::fmt;
use std::ptr;

use napi::{Env, Status, sys};

/// Which JS constructor the error is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
  /// `TypeError`: the argument has the wrong type (or a kernel is outside the subset).
  Type,
  /// `RangeError`: the argument has the right type but a bad value.
  Range,
  /// A plain `Error`.
  Error,
  /// An `Error` whose `name` is `AbortError`.
  Abort,
}

/// An error on its way to JS: a kind, a Node-style `code`, a message and
/// optional extra numeric properties (e.g. `line` and `column`).
#[derive(Debug, Clone, PartialEq)]
pub struct NpError {
  /// Which constructor builds it.
  pub kind: ErrorKind,
  /// The `code` property, e.g. `ERR_INVALID_ARG_TYPE`.
  pub code: Cow<'static, str>,
  /// The message.
  pub message: String,
  /// Extra numeric properties set on the error object.
  pub fields: Vec<(&'static str, f64)>,
}

/// Codes used by the foundation.
pub mod codes {
  /// Wrong argument type.
  pub const INVALID_ARG_TYPE: &str = "ERR_INVALID_ARG_TYPE";
  /// Right type, unacceptable value (a string option out of its set, …).
  pub const INVALID_ARG_VALUE: &str = "ERR_INVALID_ARG_VALUE";
  /// A number outside its range.
  pub const OUT_OF_RANGE: &str = "ERR_OUT_OF_RANGE";
  /// The task ran past its `timeout`.
  pub const TASK_TIMEOUT: &str = "ERR_TASK_TIMEOUT";
  /// A Rust panic inside a job.
  pub const PANIC: &str = "ERR_NAPI_PARALLEL_PANIC";
  /// The pool's `maxQueue` is reached.
  pub const QUEUE_FULL: &str = "ERR_QUEUE_FULL";
  /// The pool was closed.
  pub const POOL_CLOSED: &str = "ERR_POOL_CLOSED";
  /// `configure()` after the default pool started.
  pub const POOL_STARTED: &str = "ERR_POOL_ALREADY_STARTED";
  /// Cancelled or aborted.
  pub const ABORT: &str = "ABORT_ERR";
  /// A blocking call gave up because its environment is being torn down.
  pub const ENV_TERMINATED: &str = "ERR_NAPI_PARALLEL_ENV_TERMINATED";
  /// A buffer sized by the input could not be allocated.
  pub const OUT_OF_MEMORY: &str = "ERR_OUT_OF_MEMORY";
}

impl NpError {
  fn build(
    kind: ErrorKind,
    code: impl Into<Cow<'static, str>>,
    message: impl Into<String>,
  ) -> Self {
    Self {
      kind,
      code: code.into(),
      message: message.into(),
      fields: Vec::new(),
    }
  }

  /// A `TypeError` with `code`.
  pub fn type_error(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
    Self::build(ErrorKind::Type, code, message)
  }

  /// A `RangeError` with `code`.
  pub fn range_error(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
    Self::build(ErrorKind::Range, code, message)
  }

  /// A plain `Error` with `code`.
  pub fn error(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
    Self::build(ErrorKind::Error, code, message)
  }

  /// `TypeError` `ERR_INVALID_ARG_TYPE`: `The "name" argument must be expected.`
  pub fn invalid_arg_type(name: &str, expected: &str) -> Self {
    Self::type_error(
      codes::INVALID_ARG_TYPE,
      format!("The \"{name}\" argument must be {expected}."),
    )
  }

  /// `TypeError` `ERR_INVALID_ARG_VALUE`: `The "name" argument problem.`
  pub fn invalid_arg_value(name: &str, problem: &str) -> Self {
    Self::type_error(
      codes::INVALID_ARG_VALUE,
      format!("The \"{name}\" argument {problem}."),
    )
  }

  /// `RangeError` `ERR_OUT_OF_RANGE`: `The value of "name" is out of range. It must be requirement.`
  pub fn out_of_range(name: &str, requirement: &str) -> Self {
    Self::range_error(
      codes::OUT_OF_RANGE,
      format!("The value of \"{name}\" is out of range. It {requirement}."),
    )
  }

  /// The error a task rejects with when its deadline passes.
  pub fn timeout(ms: f64) -> Self {
    Self::error(
      codes::TASK_TIMEOUT,
      format!("The task timed out after {ms} ms."),
    )
  }

  /// The error a task rejects with when its job panicked.
  pub fn panic(message: &str) -> Self {
    Self::error(
      codes::PANIC,
      format!("A napi-parallel job panicked: {message}"),
    )
  }

  /// An `AbortError` (`name === 'AbortError'`, `code === 'ABORT_ERR'`).
  pub fn abort() -> Self {
    Self::build(ErrorKind::Abort, codes::ABORT, "The task has been aborted")
  }

  /// Adds a numeric property to the JS error (e.g. `line`, `column`).
  pub fn with_field(mut self, name: &'static str, value: f64) -> Self {
    self.fields.push((name, value));
    self
  }

  /// Builds the JS error object.
  ///
  /// # Safety
  /// `env` must be the live environment of the calling (JS) thread.
  pub unsafe fn to_js(&self, env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut code = ptr::null_mut();
    let mut msg = ptr::null_mut();
    let mut out = ptr::null_mut();
    // SAFETY: env is live (caller contract); the pointers are valid out-params.
    unsafe {
      check(sys::napi_create_string_utf8(
        env,
        self.code.as_ptr().cast(),
        self.code.len() as isize,
        &mut code,
      ))?;
      check(sys::napi_create_string_utf8(
        env,
        self.message.as_ptr().cast(),
        self.message.len() as isize,
        &mut msg,
      ))?;
      let status = match self.kind {
        ErrorKind::Type => sys::napi_create_type_error(env, code, msg, &mut out),
        ErrorKind::Range => sys::napi_create_range_error(env, code, msg, &mut out),
        ErrorKind::Error | ErrorKind::Abort => sys::napi_create_error(env, code, msg, &mut out),
      };
      check(status)?;
      if self.kind == ErrorKind::Abort {
        set_string(env, out, c"name", "AbortError")?;
      }
      for (name, value) in &self.fields {
        let mut v = ptr::null_mut();
        check(sys::napi_create_double(env, *value, &mut v))?;
        let key = CString::new(*name).map_err(|_| napi::Error::from_status(Status::InvalidArg))?;
        check(sys::napi_set_named_property(env, out, key.as_ptr(), v))?;
      }
    }
    Ok(out)
  }

  /// Throws this error in `env` and returns the `napi::Error` that tells
  /// napi-rs an exception is pending: `return Err(e.throw(env))`.
  pub fn throw(self, env: &Env) -> napi::Error {
    // SAFETY: `env` is the live environment of this JS call.
    unsafe { self.throw_raw(env.raw()) }
  }

  /// [`NpError::throw`] for code that holds a raw `napi_env` (`ToNapiValue`
  /// impls): throws this error and returns the pending-exception error.
  ///
  /// # Safety
  /// `env` is the live environment of the calling JS thread.
  pub unsafe fn throw_raw(self, env: sys::napi_env) -> napi::Error {
    // SAFETY: caller contract.
    unsafe {
      match self.to_js(env) {
        Ok(value) => {
          sys::napi_throw(env, value);
          napi::Error::from_status(Status::PendingException)
        }
        Err(e) => e,
      }
    }
  }
}

/// The body of a raw napi callback: runs `f`, turns a panic into
/// `ERR_NAPI_PARALLEL_PANIC`, and throws an `Err` as its JS error (returning
/// null, as napi expects after a throw).
///
/// # Safety
/// `env` is the live env of the calling callback.
pub unsafe fn call_guarded(
  env: sys::napi_env,
  f: impl FnOnce() -> Result<sys::napi_value, NpError>,
) -> sys::napi_value {
  let result =
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
      Err(NpError::panic(&napi_parallel_pool::unwind::panic_message(
        &*payload,
      )))
    });
  match result {
    Ok(value) => value,
    Err(e) => {
      // SAFETY: caller contract.
      unsafe {
        if let Ok(error) = e.to_js(env) {
          sys::napi_throw(env, error);
        }
      }
      ptr::null_mut()
    }
  }
}

impl fmt::Display for NpError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{} [{}]", self.message, self.code)
  }
}

impl std::error::Error for NpError {}

/// Converts an error napi-rs produced (e.g. a failed argument conversion)
/// into a `TypeError` `ERR_INVALID_ARG_TYPE` that keeps napi-rs's message.
impl From<napi::Error> for NpError {
  fn from(e: napi::Error) -> Self {
    Self::type_error(codes::INVALID_ARG_TYPE, e.reason.clone())
  }
}

fn check(status: sys::napi_status) -> napi::Result<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::from_status(Status::from(status)))
  }
}

/// # Safety
/// `env` and `obj` must be live.
unsafe fn set_string(
  env: sys::napi_env,
  obj: sys::napi_value,
  key: &std::ffi::CStr,
  value: &str,
) -> napi::Result<()> {
  let mut v = ptr::null_mut();
  // SAFETY: caller contract.
  unsafe {
    check(sys::napi_create_string_utf8(
      env,
      value.as_ptr().cast(),
      value.len() as isize,
      &mut v,
    ))?;
    check(sys::napi_set_named_property(env, obj, key.as_ptr(), v))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn messages_name_the_argument() {
    let e = NpError::invalid_arg_type("input", "a Buffer");
    assert_eq!(e.kind, ErrorKind::Type);
    assert_eq!(e.code, codes::INVALID_ARG_TYPE);
    assert_eq!(e.message, "The \"input\" argument must be a Buffer.");
    let r = NpError::out_of_range("threads", "must be >= 1");
    assert_eq!(r.kind, ErrorKind::Range);
    assert!(r.message.contains("\"threads\""));
  }

  #[test]
  fn fields_are_kept() {
    let e = NpError::type_error("ERR_UNSUPPORTED_KERNEL", "x").with_field("line", 2.0);
    assert_eq!(e.fields, vec![("line", 2.0)]);
  }
}

/// The pool's errors, with the codes and messages JS has always seen.
#[allow(clippy::items_after_test_module)]
impl From<napi_parallel_pool::PoolError> for NpError {
  fn from(e: napi_parallel_pool::PoolError) -> Self {
    use napi_parallel_pool::{ConfigProblem, PoolError};
    match e {
      PoolError::Closed => Self::error(codes::POOL_CLOSED, e.to_string()),
      PoolError::QueueFull { .. } => Self::error(codes::QUEUE_FULL, e.to_string()),
      PoolError::AlreadyStarted => Self::error(codes::POOL_STARTED, e.to_string()),
      PoolError::InvalidConfig {
        option,
        problem: problem @ ConfigProblem::NulByte,
      } => Self::invalid_arg_value(option, &problem.to_string()),
      PoolError::InvalidConfig {
        option,
        problem: problem @ ConfigProblem::ThreadCount { .. },
      } => Self::out_of_range(option, &problem.to_string()),
      PoolError::Start(_) => Self::error("ERR_NAPI_PARALLEL_POOL", e.to_string()),
      PoolError::Timer(_) => Self::error("ERR_NAPI_PARALLEL_TIMER", e.to_string()),
      PoolError::Panic(message) => Self::panic(&message),
      PoolError::EnvTerminated => Self::error(codes::ENV_TERMINATED, e.to_string()),
    }
  }
}
