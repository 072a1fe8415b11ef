//! Hands finished tasks to JS in batches.
//!
//! `lib/task.js` creates every TaskHandle itself (a Promise subclass) and
//! keeps it at the index of the task's slot in a JS array. At load it
//! attaches its `settleBatch(count)` function ([`super::attach_settler`]) and
//! receives four arrays that this module fills: for entry `i`, the slot, a
//! [`kind`], and the value (a number inline in a `Float64Array`, anything else
//! in a JS array). One JS call then settles up to [`BATCH`] tasks.
//!
//! This replaces a `napi_deferred` per task. Creating and resolving a
//! deferred costs a global handle (created, destroyed, and scanned by every
//! scavenge while it lives), a heap-allocated persistent, and a napi call
//! each way; that was most of a trivial task's native cost (perf). A Promise
//! that JS creates and resolves itself costs a few JIT-compiled stores.

use std::ptr;

use napi::{ValueType, sys};

use crate::args::type_of;
use crate::bridge::ToJs;
use crate::error::{NpError, codes};

/// Entries per JS call.
pub const BATCH: usize = 1024;

/// How entry `i` settles its task (`kinds[i]`).
pub mod kind {
  /// Fulfilled with `nums[i]`.
  pub const NUMBER: u8 = 0;
  /// Fulfilled with `values[i]`.
  pub const VALUE: u8 = 1;
  /// Rejected with `values[i]`; status `failed`.
  pub const FAILED: u8 = 2;
  /// Rejected with `values[i]`; status `cancelled` (a timeout).
  pub const CANCELLED: u8 = 3;
  /// Not a task: `values[i]` is an engine worker's result payload (a
  /// Buffer), `nums[i]` the worker's index; the entries after it, up to the
  /// next payload, are elements of it (JS decodes it once, lazily).
  pub const PAYLOAD: u8 = 4;
  /// A non-final part of a task reported ok: element `nums[i]` of the payload.
  pub const WORKER_PART: u8 = 5;
  /// A task's last part reported ok: element `nums[i]` of the payload.
  pub const WORKER_DONE: u8 = 6;
  /// A task failed on a worker: element `nums[i]` is an encoded error.
  pub const WORKER_ERR: u8 = 7;
  /// Not a task: `values[i]` is `[engine, worker, taskId]`, a request to
  /// stop that worker if it still runs that task (cancelled or timed out).
  pub const CONTROL: u8 = 8;
}

/// The JS side of an environment's settlement: `settleBatch` and the
/// arrays it reads. The references keep them alive for the environment's life.
#[derive(Clone, Copy)]
pub struct JsSettler {
  function: sys::napi_ref,
  values: sys::napi_ref,
  slots: *mut u32,
  kinds: *mut u8,
  nums: *mut f64,
}

/// Fills the arrays of a [`JsSettler`] and calls it every [`BATCH`]
/// entries, each batch in its own handle scope. JS thread only.
pub struct Batch {
  env: sys::napi_env,
  settler: JsSettler,
  count: usize,
  scope: sys::napi_handle_scope,
  values: sys::napi_value,
}

impl Batch {
  /// A batch for `settler` on `env`, its JS thread.
  pub fn new(env: sys::napi_env, settler: JsSettler) -> Self {
    Self {
      env,
      settler,
      count: 0,
      scope: ptr::null_mut(),
      values: ptr::null_mut(),
    }
  }

  /// Opens the batch's handle scope if needed; values created for this
  /// batch (or to settle an internal Promise) live in it.
  pub fn ensure_scope(&mut self) {
    if self.scope.is_null() {
      // SAFETY: live env on its JS thread; closed in `flush`.
      unsafe {
        sys::napi_open_handle_scope(self.env, &mut self.scope);
        sys::napi_get_reference_value(self.env, self.settler.values, &mut self.values);
      }
    }
  }

  /// Adds the task in `slot`: fulfilled with `outcome`'s value, or rejected
  /// with its error (status `cancelled` when `cancelled`, else `failed`).
  pub fn push(&mut self, slot: u32, outcome: Result<ToJs, NpError>, cancelled: bool) {
    self.ensure_scope();
    let i = self.count;
    let kind = match outcome {
      Ok(ToJs::Number(n)) => {
        // SAFETY: `i < BATCH`, the length of the arrays attached.
        unsafe { *self.settler.nums.add(i) = n };
        kind::NUMBER
      }
      // SAFETY: live env on its JS thread.
      Ok(boxed) => match unsafe { boxed.into_js(self.env) } {
        Ok(value) => self.set_value(i, value, kind::VALUE),
        Err(e) => {
          let mut exception = ptr::null_mut();
          // SAFETY: live env; drops the exception a failed conversion left.
          unsafe { sys::napi_get_and_clear_last_exception(self.env, &mut exception) };
          if is_error_value(self.env, exception) {
            // A conversion that threw its own coded error (e.g. ERR_OUT_OF_MEMORY).
            self.set_value(i, exception, kind::FAILED)
          } else {
            let error = NpError::error(
              codes::CONVERT,
              format!("Could not convert the result: {}", e.reason),
            );
            self.set_error(i, &error, kind::FAILED)
          }
        }
      },
      Err(error) => self.set_error(
        i,
        &error,
        if cancelled {
          kind::CANCELLED
        } else {
          kind::FAILED
        },
      ),
    };
    // SAFETY: `i < BATCH`.
    unsafe {
      *self.settler.slots.add(i) = slot;
      *self.settler.kinds.add(i) = kind;
    }
    self.count += 1;
    if self.count == BATCH {
      self.flush();
    }
  }

  /// Adds a raw entry: `kind`, `nums[i] = num`, and `values[i] = value`
  /// unless `value` is null. Values must be created after
  /// [`ensure_scope`](Self::ensure_scope).
  pub fn push_entry(&mut self, slot: u32, kind: u8, num: f64, value: sys::napi_value) {
    self.ensure_scope();
    let i = self.count;
    if !value.is_null() {
      self.set_value(i, value, kind);
    }
    // SAFETY: `i < BATCH`, the length of the arrays attached.
    unsafe {
      *self.settler.nums.add(i) = num;
      *self.settler.slots.add(i) = slot;
      *self.settler.kinds.add(i) = kind;
    }
    self.count += 1;
    if self.count == BATCH {
      self.flush();
    }
  }

  /// The batch's env (its JS thread's).
  pub fn env(&self) -> sys::napi_env {
    self.env
  }

  fn set_value(&mut self, i: usize, value: sys::napi_value, kind: u8) -> u8 {
    // SAFETY: live env; `values` is the attached array, alive in this scope.
    unsafe { sys::napi_set_element(self.env, self.values, i as u32, value) };
    kind
  }

  fn set_error(&mut self, i: usize, error: &NpError, kind: u8) -> u8 {
    // SAFETY: live env on its JS thread.
    let value = unsafe { error.to_js(self.env) }.unwrap_or_else(|_| undefined(self.env));
    self.set_value(i, value, kind)
  }

  /// Calls `settleBatch(count)` for the entries so far and closes the scope.
  pub fn flush(&mut self) {
    if self.scope.is_null() {
      return;
    }
    if self.count > 0 {
      // SAFETY: live env on its JS thread, inside the batch's scope.
      unsafe {
        let mut function = ptr::null_mut();
        let mut count = ptr::null_mut();
        let mut result = ptr::null_mut();
        sys::napi_get_reference_value(self.env, self.settler.function, &mut function);
        sys::napi_create_uint32(self.env, self.count as u32, &mut count);
        let status = sys::napi_call_function(
          self.env,
          undefined(self.env),
          function,
          1,
          &count,
          &mut result,
        );
        if status != sys::Status::napi_ok {
          // settleBatch catches what it runs; this is a bug, so report it
          // as an uncaught exception rather than lose it.
          let mut exception = ptr::null_mut();
          sys::napi_get_and_clear_last_exception(self.env, &mut exception);
          if !exception.is_null() {
            sys::napi_fatal_exception(self.env, exception);
          }
        }
      }
      self.count = 0;
    }
    // SAFETY: opened in `ensure_scope`.
    unsafe { sys::napi_close_handle_scope(self.env, self.scope) };
    self.scope = ptr::null_mut();
  }
}

impl Drop for Batch {
  fn drop(&mut self) {
    self.flush();
  }
}

fn undefined(env: sys::napi_env) -> sys::napi_value {
  let mut value = ptr::null_mut();
  // SAFETY: live env.
  unsafe { sys::napi_get_undefined(env, &mut value) };
  value
}

/// Creates a typed array of `len` elements of `kind` over fresh memory, and
/// a strong reference that keeps its buffer alive. Returns the array and a
/// pointer to its elements.
unsafe fn typed_array(
  env: sys::napi_env,
  kind: sys::napi_typedarray_type,
  element_size: usize,
  len: usize,
) -> Result<(sys::napi_value, *mut u8), NpError> {
  let mut data = ptr::null_mut();
  let mut buffer = ptr::null_mut();
  let mut array = ptr::null_mut();
  let mut reference = ptr::null_mut();
  // SAFETY: caller contract (live env, JS thread).
  let ok = unsafe {
    sys::napi_create_arraybuffer(env, len * element_size, &mut data, &mut buffer)
      == sys::Status::napi_ok
      && sys::napi_create_typedarray(env, kind, len, buffer, 0, &mut array) == sys::Status::napi_ok
      && sys::napi_create_reference(env, buffer, 1, &mut reference) == sys::Status::napi_ok
  };
  if ok {
    Ok((array, data.cast()))
  } else {
    Err(NpError::error(
      codes::INTERNAL,
      "cannot allocate the settlement arrays",
    ))
  }
}

/// Builds the settler for `function`; returns it with `[slots, kinds, nums, values]`.
///
/// # Safety
/// Live env, on its JS thread.
pub(super) unsafe fn create(
  env: sys::napi_env,
  function: sys::napi_value,
) -> Result<(JsSettler, [sys::napi_value; 4]), NpError> {
  if type_of(env, function) != ValueType::Function {
    return Err(NpError::invalid_arg_type("settleBatch", "of type function"));
  }
  // SAFETY: caller contract.
  unsafe {
    let (slots, slots_data) = typed_array(env, sys::TypedarrayType::uint32_array, 4, BATCH)?;
    let (kinds, kinds_data) = typed_array(env, sys::TypedarrayType::uint8_array, 1, BATCH)?;
    let (nums, nums_data) = typed_array(env, sys::TypedarrayType::float64_array, 8, BATCH)?;
    let mut values = ptr::null_mut();
    let mut values_ref = ptr::null_mut();
    let mut function_ref = ptr::null_mut();
    if sys::napi_create_array_with_length(env, BATCH, &mut values) != sys::Status::napi_ok
      || sys::napi_create_reference(env, values, 1, &mut values_ref) != sys::Status::napi_ok
      || sys::napi_create_reference(env, function, 1, &mut function_ref) != sys::Status::napi_ok
    {
      return Err(NpError::error(
        codes::INTERNAL,
        "cannot create the settlement references",
      ));
    }
    Ok((
      JsSettler {
        function: function_ref,
        values: values_ref,
        slots: slots_data.cast(),
        kinds: kinds_data,
        nums: nums_data.cast(),
      },
      [slots, kinds, nums, values],
    ))
  }
}

/// Whether `value` (an exception a failed napi call left) is a JS object,
/// i.e. an error some conversion threw on purpose.
pub(super) fn is_error_value(env: sys::napi_env, value: sys::napi_value) -> bool {
  if value.is_null() {
    return false;
  }
  type_of(env, value) == ValueType::Object
}
