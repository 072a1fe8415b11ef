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
use napi_parallel_kernel::KernelError;
use napi_parallel_memo::ConfigError;
use napi_parallel_split::PatternError;

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

/// Every `code` the binding gives a JS error: the one list. Each binding
/// names its codes from here; `tests::every_code_in_src_is_listed` checks that
/// no string literal in `src/` bypasses it.
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
  /// The pool's threads could not be started.
  pub const POOL: &str = "ERR_NAPI_PARALLEL_POOL";
  /// The deadline timer thread could not be started.
  pub const TIMER: &str = "ERR_NAPI_PARALLEL_TIMER";
  /// Cancelled or aborted.
  pub const ABORT: &str = "ABORT_ERR";
  /// A blocking call gave up because its environment is being torn down.
  pub const ENV_TERMINATED: &str = "ERR_NAPI_PARALLEL_ENV_TERMINATED";
  /// A buffer sized by the input could not be allocated.
  pub const OUT_OF_MEMORY: &str = "ERR_OUT_OF_MEMORY";
  /// A napi call of the binding's own machinery failed (a bug: report it).
  pub const INTERNAL: &str = "ERR_NAPI_PARALLEL_INTERNAL";
  /// A task's result could not be converted to a JS value.
  pub const CONVERT: &str = "ERR_NAPI_PARALLEL_CONVERT";
  /// The splitter could not build its matcher (other than a bad delimiter).
  pub const SPLIT: &str = "ERR_NAPI_PARALLEL_SPLIT";
  /// A kernel outside the numeric subset (a `TypeError` with `line`/`column`).
  pub const UNSUPPORTED_KERNEL: &str = "ERR_UNSUPPORTED_KERNEL";
  /// A kernel recursed deeper than its thread's stack allows.
  pub const KERNEL_STACK_OVERFLOW: &str = "ERR_KERNEL_STACK_OVERFLOW";
  /// The kernel compiler failed (a bug: report it).
  pub const KERNEL_INTERNAL: &str = "ERR_KERNEL_INTERNAL";
  /// `Memo` was given a cyclic value to store (thrown by `lib/memo.js`).
  pub const MEMO_CYCLIC: &str = "ERR_MEMO_CYCLIC";
  /// A stored `Memo` value could not be decoded (thrown by `lib/memo.js`).
  pub const MEMO_CORRUPT: &str = "ERR_MEMO_CORRUPT";
  /// `memoize` with `onUnstorable: 'throw'` got a result the Memo cannot store (thrown by `lib/memo/memoize.js`).
  pub const MEMOIZE_UNSTORABLE: &str = "ERR_MEMOIZE_UNSTORABLE";
  /// A streamed line is longer than `maxLineLength` (thrown by `lib/split.js`).
  pub const LINE_TOO_LONG: &str = "ERR_LINE_TOO_LONG";
  /// The native addon could not load on this platform (thrown by `lib/load.js`).
  pub const LOAD: &str = "ERR_NAPI_PARALLEL_LOAD";
  /// `inspectFunction` got a source that is not one parsable function (a `SyntaxError` with `line`/`column`).
  pub const INVALID_FUNCTION_SOURCE: &str = "ERR_INVALID_FUNCTION_SOURCE";
  /// A class called without `new` (`Pool()`; thrown by `lib/task.js`), as Node's own classes.
  pub const CONSTRUCT_CALL_REQUIRED: &str = "ERR_CONSTRUCT_CALL_REQUIRED";
  /// The engine worker running the task exited (crashed, `process.exit`, out of memory, terminated).
  pub const WORKER_EXITED: &str = "ERR_WORKER_EXITED";
  /// Node's own code for a worker that exceeded its `resourceLimits` (read by `lib/engine/workers.js` to word the exit reason; never thrown here).
  pub const WORKER_OUT_OF_MEMORY: &str = "ERR_WORKER_OUT_OF_MEMORY";
  /// A worker-engine function reads an outer variable it cannot take along (a TypeError naming it and its line:column; thrown by `lib/engine/functions.js`).
  pub const CAPTURED_VARIABLE: &str = "ERR_CAPTURED_VARIABLE";
  /// A worker engine's `setup` module threw: its tasks, queued and later, reject with this (its `cause` is the module's error; `lib/engine/workers.js`).
  pub const WORKER_SETUP_FAILED: &str = "ERR_WORKER_SETUP_FAILED";
  /// A `graph()` node names itself through a cycle of dependencies (the error names the cycle; `lib/graph.js`).
  pub const GRAPH_CYCLE: &str = "ERR_GRAPH_CYCLE";
  /// A `graph()` node depends on a name that is neither a node nor a run input (`lib/graph.js`).
  pub const GRAPH_UNKNOWN_DEPENDENCY: &str = "ERR_GRAPH_UNKNOWN_DEPENDENCY";
  /// A `graph()` run in which some node failed (a `GraphError`, an AggregateError with the partial results; `lib/graph.js`).
  pub const GRAPH_FAILED: &str = "ERR_GRAPH_FAILED";
  /// A graph node whose dependency failed (its `cause` is that error; `lib/graph/scheduler.js`).
  pub const DEPENDENCY_FAILED: &str = "ERR_DEPENDENCY_FAILED";

  /// Every code above, for the test that checks nothing bypasses this list.
  pub const ALL: &[&str] = &[
    INVALID_ARG_TYPE,
    INVALID_ARG_VALUE,
    OUT_OF_RANGE,
    TASK_TIMEOUT,
    PANIC,
    QUEUE_FULL,
    POOL_CLOSED,
    POOL_STARTED,
    POOL,
    TIMER,
    ABORT,
    ENV_TERMINATED,
    OUT_OF_MEMORY,
    INTERNAL,
    CONVERT,
    SPLIT,
    UNSUPPORTED_KERNEL,
    KERNEL_STACK_OVERFLOW,
    KERNEL_INTERNAL,
    MEMO_CYCLIC,
    MEMO_CORRUPT,
    MEMOIZE_UNSTORABLE,
    LINE_TOO_LONG,
    LOAD,
    CONSTRUCT_CALL_REQUIRED,
    WORKER_EXITED,
    INVALID_FUNCTION_SOURCE,
    WORKER_OUT_OF_MEMORY,
    CAPTURED_VARIABLE,
    WORKER_SETUP_FAILED,
    GRAPH_CYCLE,
    GRAPH_UNKNOWN_DEPENDENCY,
    GRAPH_FAILED,
    DEPENDENCY_FAILED,
  ];
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

  /// `RangeError` `ERR_OUT_OF_MEMORY`: a buffer of `bytes` bytes for `what`
  /// could not be allocated.
  pub fn out_of_memory(what: &str, bytes: usize) -> Self {
    Self::range_error(
      codes::OUT_OF_MEMORY,
      format!("Cannot allocate {bytes} bytes for {what}"),
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

/// A kernel compiler or runner error as its JS error: unsupported source is
/// a `TypeError` `ERR_UNSUPPORTED_KERNEL` with `line`/`column`.
impl From<KernelError> for NpError {
  fn from(e: KernelError) -> Self {
    match e {
      KernelError::Unsupported {
        message,
        line,
        column,
      } => Self::type_error(
        codes::UNSUPPORTED_KERNEL,
        format!("Unsupported kernel: {message}"),
      )
      .with_field("line", line as f64)
      .with_field("column", column as f64),
      KernelError::StackOverflow => Self::range_error(
        codes::KERNEL_STACK_OVERFLOW,
        "Maximum call stack size exceeded in kernel",
      ),
      KernelError::Cancelled => Self::abort(),
      KernelError::OutOfMemory { bytes } => Self::out_of_memory("the output", bytes),
      KernelError::Internal(m) => Self::error(
        codes::KERNEL_INTERNAL,
        format!("Kernel compiler error: {m}"),
      ),
    }
  }
}

/// A [`PatternError`] of the delimiter list passed as argument `name`, which
/// held `count` delimiters: what its JS message needs to name the culprit.
#[derive(Debug)]
pub struct DelimiterError<'a> {
  /// The argument, as JS spells it (`delimiter`, `patterns`).
  pub name: &'a str,
  /// How many delimiters it held (one is named without an index).
  pub count: usize,
  /// What the splitter's core found wrong.
  pub error: PatternError,
}

/// A bad delimiter list is `ERR_INVALID_ARG_VALUE` naming the argument (and
/// the delimiter's index when there are several).
impl From<DelimiterError<'_>> for NpError {
  fn from(e: DelimiterError<'_>) -> Self {
    match e.error {
      PatternError::NoPatterns => Self::invalid_arg_value(e.name, "must not be an empty array"),
      PatternError::Empty(i) => {
        let which = if e.count == 1 {
          e.name.to_string()
        } else {
          format!("{}[{i}]", e.name)
        };
        Self::invalid_arg_value(&which, "must not be empty")
      }
      other => Self::error(codes::SPLIT, other.to_string()),
    }
  }
}

/// A `Memo` limit out of its range is `RangeError` `ERR_OUT_OF_RANGE` naming the option.
impl From<ConfigError> for NpError {
  fn from(e: ConfigError) -> Self {
    Self::out_of_range(e.option, &e.requirement)
  }
}

/// A napi status as a `Result`: the one place a failed raw `napi_*` call
/// becomes an error. The `napi::Error` keeps the status (so a pending
/// exception stays pending); as an [`NpError`] it is a `TypeError`
/// `ERR_INVALID_ARG_TYPE` saying which status failed.
#[inline]
pub fn check(status: sys::napi_status) -> napi::Result<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::new(
      Status::from(status),
      format!("napi call failed with status {status}"),
    ))
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

/// The list of codes is the only one: every code spelled in `src/` or `lib/`
/// is in [`codes::ALL`], and the conversions of the core errors keep their
/// JS-visible codes and messages.
/// The pool's errors, with the codes and messages JS has always seen.
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
      PoolError::Start(_) => Self::error(codes::POOL, e.to_string()),
      PoolError::Timer(_) => Self::error(codes::TIMER, e.to_string()),
      PoolError::Panic(message) => Self::panic(&message),
      PoolError::EnvTerminated => Self::error(codes::ENV_TERMINATED, e.to_string()),
    }
  }
}

/// The hashing core's errors: a cancel is an `AbortError`, an allocation
/// failure `ERR_OUT_OF_MEMORY` naming the result.
impl From<napi_parallel_hash::HashError> for NpError {
  fn from(e: napi_parallel_hash::HashError) -> Self {
    match e {
      napi_parallel_hash::HashError::Cancelled => Self::abort(),
      napi_parallel_hash::HashError::OutOfMemory(a) => Self::out_of_memory("the result", a.bytes),
    }
  }
}

#[cfg(test)]
mod code_list_tests {
  use std::path::Path;

  use super::*;

  /// Every `ERR_…`/`ABORT_ERR` code quoted in the files under `dir`.
  fn quoted_codes(dir: &Path, ext: &str, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
      let path = entry.unwrap().path();
      if path.is_dir() {
        quoted_codes(&path, ext, found);
        continue;
      }
      if path.extension().and_then(|e| e.to_str()) != Some(ext) {
        continue;
      }
      let text = std::fs::read_to_string(&path).unwrap();
      let bytes = text.as_bytes();
      for (start, _) in text.match_indices(['"', '\'']) {
        let rest = &text[start + 1..];
        let end = rest
          .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
          .unwrap_or(rest.len());
        let word = &rest[..end];
        let closes = bytes.get(start + 1 + end) == Some(&bytes[start]);
        if closes && ((word.len() > 4 && word.starts_with("ERR_")) || word == "ABORT_ERR") {
          found.push((path.display().to_string(), word.to_string()));
        }
      }
    }
  }

  #[test]
  fn every_code_in_src_and_lib_is_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    quoted_codes(&root.join("src"), "rs", &mut found);
    quoted_codes(&root.join("lib"), "js", &mut found);
    assert!(
      found.iter().any(|(_, c)| c == codes::INVALID_ARG_TYPE),
      "the scan found nothing"
    );
    let missing: Vec<_> = found
      .iter()
      .filter(|(_, c)| !codes::ALL.contains(&c.as_str()))
      .collect();
    assert!(
      missing.is_empty(),
      "codes missing from error::codes: {missing:?}"
    );
    let mut unique = codes::ALL.to_vec();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), codes::ALL.len(), "a code is listed twice");
  }

  #[test]
  fn kernel_errors_convert_once() {
    let e = NpError::from(KernelError::Unsupported {
      message: "x (at 2:3)".into(),
      line: 2,
      column: 3,
    });
    assert_eq!(
      (e.kind, &*e.code),
      (ErrorKind::Type, codes::UNSUPPORTED_KERNEL)
    );
    assert_eq!(e.message, "Unsupported kernel: x (at 2:3)");
    assert_eq!(e.fields, vec![("line", 2.0), ("column", 3.0)]);
    let e = NpError::from(KernelError::StackOverflow);
    assert_eq!(
      (e.kind, &*e.code),
      (ErrorKind::Range, codes::KERNEL_STACK_OVERFLOW)
    );
    assert_eq!(NpError::from(KernelError::Cancelled), NpError::abort());
    let e = NpError::from(KernelError::OutOfMemory { bytes: 8 });
    assert_eq!(e.message, "Cannot allocate 8 bytes for the output");
    let e = NpError::from(KernelError::Internal("bug".into()));
    assert_eq!(
      (e.kind, &*e.code),
      (ErrorKind::Error, codes::KERNEL_INTERNAL)
    );
    assert_eq!(e.message, "Kernel compiler error: bug");
  }

  #[test]
  fn delimiter_errors_name_the_argument() {
    let conv = |count, error| {
      NpError::from(DelimiterError {
        name: "patterns",
        count,
        error,
      })
    };
    let e = conv(0, PatternError::NoPatterns);
    assert_eq!(&*e.code, codes::INVALID_ARG_VALUE);
    assert_eq!(
      e.message,
      "The \"patterns\" argument must not be an empty array."
    );
    let e = conv(3, PatternError::Empty(1));
    assert_eq!(e.message, "The \"patterns[1]\" argument must not be empty.");
    let e = conv(1, PatternError::Empty(0));
    assert_eq!(e.message, "The \"patterns\" argument must not be empty.");
    let e = conv(2, PatternError::OddLength(1));
    assert_eq!((e.kind, &*e.code), (ErrorKind::Error, codes::SPLIT));
  }

  #[test]
  fn memo_config_errors_are_range_errors() {
    let e = NpError::from(ConfigError {
      option: "maxEntries",
      requirement: "must be an integer >= 1".into(),
    });
    assert_eq!((e.kind, &*e.code), (ErrorKind::Range, codes::OUT_OF_RANGE));
    assert_eq!(
      e.message,
      "The value of \"maxEntries\" is out of range. It must be an integer >= 1."
    );
  }

  #[test]
  fn a_failed_status_names_it() {
    assert!(check(sys::Status::napi_ok).is_ok());
    let e = NpError::from(check(sys::Status::napi_string_expected).unwrap_err());
    assert_eq!(&*e.code, codes::INVALID_ARG_TYPE);
    assert_eq!(
      e.message,
      format!(
        "napi call failed with status {}",
        sys::Status::napi_string_expected
      )
    );
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
