//! The first argument of every async export, built by `lib/task.js`: a task
//! id (a number), or `{ id, timeout?, pool? }`. [`TaskArg`] is both what
//! the exports receive and the source of its typings; it is read by hand
//! ([`TaskArg::parse`]) so that bad values are Node-style errors naming
//! `task.…`.

use std::ptr;
use std::sync::{Arc, OnceLock};

use napi::bindgen_prelude::FromNapiValue;
use napi::{Env, ValueType, sys};
use napi_parallel_pool::PoolCore;

use crate::args::type_of;
use crate::error::NpError;

/// The task argument of every `*Async` export. Build it with the exported
/// functions, never by hand: `id` must be unique per process. A bare task
/// id (a number) means `{ id }`.
#[napi_derive::napi(object, object_from_js = false, object_to_js = false)]
pub struct TaskArg {
  /// Process-unique task id.
  #[napi(ts_type = "number")]
  pub id: u64,
  /// Milliseconds before the task times out, from 0 to 2147483647; 0 means no timeout.
  ///
  /// @default no timeout
  pub timeout: Option<f64>,
  /// The pool to run on.
  ///
  /// @default the default pool
  #[napi(ts_type = "Pool")]
  pub pool: Option<Arc<PoolCore>>,
}

/// Why a task argument was refused.
pub enum TaskArgError {
  /// A JS exception is already pending (a getter of the argument threw).
  Pending,
  /// A coded TypeError or RangeError to throw.
  Invalid(NpError),
}

impl From<NpError> for TaskArgError {
  fn from(e: NpError) -> Self {
    Self::Invalid(e)
  }
}

/// Reads the pool a JS `Pool` instance wraps, or `None` when `value` is not
/// one (an exception may then be pending).
///
/// # Safety
/// `env` and `value` are live, on the JS thread.
pub type PoolOf = unsafe fn(sys::napi_env, sys::napi_value) -> Option<Arc<PoolCore>>;

/// Set once at module init by the module that owns the `Pool` class: tasks
/// read a `pool` field without depending on that module.
static POOL_OF: OnceLock<PoolOf> = OnceLock::new();

/// Tells task arguments how to read their `pool` field (see [`PoolOf`]).
/// The first call wins; every environment passes the same function.
pub(super) fn set_pool_of(pool_of: PoolOf) {
  let _ = POOL_OF.set(pool_of);
}

fn get_property(
  env: sys::napi_env,
  object: sys::napi_value,
  key: &std::ffi::CStr,
) -> Result<sys::napi_value, TaskArgError> {
  let mut value = ptr::null_mut();
  // SAFETY: live env and object on the JS thread.
  let status = unsafe { sys::napi_get_named_property(env, object, key.as_ptr(), &mut value) };
  if status == sys::Status::napi_ok {
    Ok(value)
  } else if is_exception_pending(env) {
    Err(TaskArgError::Pending)
  } else {
    Err(NpError::invalid_arg_value("task", "could not be read").into())
  }
}

fn is_exception_pending(env: sys::napi_env) -> bool {
  let mut pending = false;
  // SAFETY: live env.
  unsafe { sys::napi_is_exception_pending(env, &mut pending) };
  pending
}

fn number(env: sys::napi_env, value: sys::napi_value) -> f64 {
  let mut n = f64::NAN;
  // SAFETY: live env; `value` is a number (checked by the callers).
  unsafe { sys::napi_get_value_double(env, value, &mut n) };
  n
}

/// Longest task timeout, in ms (as `setTimeout`'s, and what `lib/task.js` accepts).
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// A task id: an integer in `1..9e15`.
fn task_id(env: sys::napi_env, value: sys::napi_value, name: &str) -> Result<u64, TaskArgError> {
  if type_of(env, value) != ValueType::Number {
    return Err(
      NpError::invalid_arg_type(
        name,
        "of type number (use the exported functions, not binding.js)",
      )
      .into(),
    );
  }
  let v = number(env, value);
  if v.fract() == 0.0 && (1.0..9.0e15).contains(&v) {
    Ok(v as u64)
  } else {
    Err(
      NpError::out_of_range(
        name,
        &format!("must be an integer >= 1 and < 9e15. Received {v:?}"),
      )
      .into(),
    )
  }
}

/// A timeout in ms: a number in `0..=MAX_TIMEOUT_MS`.
pub fn timeout_ms(v: f64, name: &str) -> Result<f64, NpError> {
  if (0.0..=MAX_TIMEOUT_MS).contains(&v) {
    Ok(v)
  } else {
    Err(NpError::out_of_range(
      name,
      &format!("must be >= 0 and <= 2147483647. Received {v:?}"),
    ))
  }
}

impl TaskArg {
  /// Reads a task argument: a task id, or `{ id, timeout?, pool? }`.
  /// Bad values are coded TypeErrors/RangeErrors naming `task.…`.
  ///
  /// # Safety
  /// `env` and `value` are live, on the JS thread.
  pub unsafe fn parse(env: sys::napi_env, value: sys::napi_value) -> Result<Self, TaskArgError> {
    match type_of(env, value) {
      ValueType::Number => Ok(Self {
        id: task_id(env, value, "task")?,
        timeout: None,
        pool: None,
      }),
      ValueType::Object => {
        let id = task_id(env, get_property(env, value, c"id")?, "task.id")?;
        let timeout = get_property(env, value, c"timeout")?;
        let timeout = match type_of(env, timeout) {
          ValueType::Undefined => None,
          ValueType::Number => Some(timeout_ms(number(env, timeout), "task.timeout")?),
          _ => return Err(NpError::invalid_arg_type("task.timeout", "of type number").into()),
        };
        let pool = get_property(env, value, c"pool")?;
        let pool = match type_of(env, pool) {
          ValueType::Undefined | ValueType::Null => None,
          // SAFETY: caller contract.
          _ => match POOL_OF
            .get()
            .and_then(|pool_of| unsafe { pool_of(env, pool) })
          {
            Some(core) => Some(core),
            None => {
              if is_exception_pending(env) {
                return Err(TaskArgError::Pending);
              }
              return Err(NpError::invalid_arg_type("task.pool", "an instance of Pool").into());
            }
          },
        };
        Ok(Self { id, timeout, pool })
      }
      _ => Err(
        NpError::invalid_arg_type(
          "task",
          "a task id or { id, timeout, pool } (use the exported functions, not binding.js)",
        )
        .into(),
      ),
    }
  }
}

/// Reads a [`TaskArg`] with Node-style errors (see [`TaskArg::parse`]).
impl FromNapiValue for TaskArg {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
    // SAFETY: caller contract.
    match unsafe { Self::parse(env, value) } {
      Ok(task) => Ok(task),
      Err(TaskArgError::Pending) => Err(napi::Error::from_status(napi::Status::PendingException)),
      Err(TaskArgError::Invalid(e)) => Err(e.throw(&Env::from_raw(env))),
    }
  }
}
