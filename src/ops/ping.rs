//! Trivial tasks that measure the cost of the task machinery itself.

use std::ptr;

use napi::bindgen_prelude::{JsValue, Object};
use napi::{Env, Result, check_status, sys};
use napi_derive::napi;

use crate::args::callback_args;
use crate::error::{NpError, call_guarded, codes};
use crate::task::{self, TaskArg, TaskArgError, TaskSlot};

/// Round-trips `value` through the pool and the completion bridge: the
/// smallest possible task, used to measure per-task overhead.
///
/// Module init replaces this export with [`ping_async_raw`], the same
/// function without napi-rs's per-call wrapper; this declaration gives the typings.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn ping_async(env: &Env, task: TaskArg, value: f64) -> Result<TaskSlot> {
  task::spawn(env, task, move |_| Ok(value))
}

/// `pingAsync` as a raw napi callback. napi-rs 3.16 opens a borrow-tracking
/// scope on every call of a generated wrapper (an `Arc<Mutex<…>>` allocation
/// and several thread-local updates): ~230 ns a call here, measured on a
/// trivial export, and ~0.3 µs of a trivial task. Real ops do real work and
/// keep the generated wrappers; `ping` exists to measure the task machinery,
/// so it skips that cost.
unsafe extern "C" fn ping_async_raw(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> sys::napi_value {
  let call = || -> std::result::Result<sys::napi_value, NpError> {
    let mut value = f64::NAN;
    // SAFETY: napi callback contract; `value` is a valid out-param.
    let (argv, argc, _) = unsafe { callback_args::<2>(env, info) };
    let is_number = argc >= 2
      && unsafe { sys::napi_get_value_double(env, argv[1], &mut value) } == sys::Status::napi_ok;
    if !is_number {
      return Err(NpError::invalid_arg_type("value", "of type number"));
    }
    // SAFETY: a value of this callback's env.
    let task = match unsafe { TaskArg::parse(env, argv[0]) } {
      Ok(task) => task,
      // A getter of the task argument threw: that exception stays pending.
      Err(TaskArgError::Pending) => return Ok(ptr::null_mut()),
      Err(TaskArgError::Invalid(e)) => return Err(e),
    };
    let raw_env = env;
    match ping_async(&Env::from_raw(env), task, value) {
      Ok(slot) => {
        let mut out = ptr::null_mut();
        // SAFETY: live env of this callback.
        unsafe { sys::napi_create_uint32(raw_env, slot, &mut out) };
        Ok(out)
      }
      // `spawn` threw its error already.
      Err(e) if e.status == napi::Status::PendingException => Ok(ptr::null_mut()),
      Err(e) => Err(NpError::error(codes::INTERNAL, e.reason)),
    }
  };
  // SAFETY: napi callback contract.
  unsafe { call_guarded(env, call) }
}

/// Installs the raw callbacks over their generated exports:
/// [`ping_async_raw`] as `exports.pingAsync` and
/// [`crate::map::spawn_kernel_async_raw`] as `exports.spawnKernelAsync`.
/// Runs at module init, after napi-rs registered the generated exports.
pub fn install_raw_exports(env: &Env, exports: &Object) -> Result<()> {
  install_raw(env, exports, c"pingAsync", ping_async_raw)?;
  install_raw(
    env,
    exports,
    c"spawnKernelAsync",
    crate::map::spawn_kernel_async_raw,
  )
}

fn install_raw(
  env: &Env,
  exports: &Object,
  name: &std::ffi::CStr,
  callback: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
) -> Result<()> {
  let mut function = ptr::null_mut();
  // SAFETY: live env at module init; `exports` belongs to it.
  unsafe {
    check_status!(sys::napi_create_function(
      env.raw(),
      name.as_ptr(),
      name.count_bytes() as isize,
      Some(callback),
      ptr::null_mut(),
      &mut function,
    ))?;
    check_status!(sys::napi_set_named_property(
      env.raw(),
      exports.raw(),
      name.as_ptr(),
      function,
    ))?;
  }
  Ok(())
}

/// `pingAsync` with test knobs: `panic: true` makes the job panic (to test
/// that a panic becomes a rejection); `spinMs` keeps it busy that long,
/// checking for cancellation every 100 µs. Internal: a probe for the test
/// suite, exported only as `internal.pingTestAsync` of `binding.js`, which
/// the package root never re-exports.
#[napi(namespace = "internal", catch_unwind, ts_return_type = "number")]
pub fn ping_test_async(
  env: &Env,
  task: TaskArg,
  value: f64,
  panic: Option<bool>,
  spin_ms: Option<f64>,
) -> Result<TaskSlot> {
  let panic = panic.unwrap_or(false);
  // Clamped (NaN, negative: 0; at most a day): `from_secs_f64` panics on overflow.
  let spin_ms = spin_ms.unwrap_or(0.0);
  let spin_ms = if spin_ms.is_nan() {
    0.0
  } else {
    spin_ms.clamp(0.0, 86_400_000.0)
  };
  let spin = std::time::Duration::from_secs_f64(spin_ms / 1000.0);
  task::spawn(env, task, move |ctx| {
    if panic {
      panic!("ping was asked to panic");
    }
    let start = std::time::Instant::now();
    while start.elapsed() < spin && !ctx.is_cancelled() {
      std::thread::sleep(std::time::Duration::from_micros(100));
    }
    Ok(value)
  })
}

/// The same trivial task as a napi-rs `async fn` (tokio + a per-call
/// threadsafe function). Internal: the baseline of `benchmark/tasks.ts`,
/// exported only as `internal.pingAsyncFn` of `binding.js`.
#[napi(namespace = "internal")]
pub async fn ping_async_fn(value: f64) -> f64 {
  value
}
