//! The inputs and outputs of the numeric exports (`parallelMap`, and any
//! other export over typed-array columns): which JS memory a job reads or
//! writes in place, and which it copies.
//!
//! Inputs ([`read_columns`]): a `Float64Array` is read in place by a sync
//! call (the JS thread is blocked meanwhile) and, by an async call, when its
//! buffer is a `SharedArrayBuffer` (which cannot be detached; a
//! [`RefGuard`] keeps it alive). Any other input is converted or copied into
//! doubles on the JS thread, so the caller may reuse, transfer or detach it
//! at once. JS (another worker, or the main thread during an async task) may
//! write a shared input while the job reads it: each element is then read
//! either before or after the write, and its result is computed from that
//! value, as with any reader of shared memory.
//!
//! Outputs ([`read_out`], [`AsyncDest`]): without `out` an async call writes
//! into an ArrayBuffer allocated on the JS thread at the call, which no JS
//! code can see (so none can detach it) until the task settles, and a sync
//! call does the same: no result copy. With `out`, a sync call writes into
//! it in place; an async call writes a shared `out` in place from the pool,
//! and a plain one (which JS could detach while the task runs) into a native
//! buffer copied into `out` when the task settles (rejecting with
//! a TypeError `ERR_INVALID_ARG_VALUE` if it was detached or resized meanwhile).
//!
//! Aliasing: results are always as if every input were read in full before
//! any output is written. An input read in place whose memory overlaps `out`
//! is therefore copied first (a plain input of an async call is copied
//! anyway); so `out` may be the input itself (a map in place), or overlap it.

use std::marker::PhantomData;
use std::ptr;

use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{Env, sys};
use napi_parallel_kernel::{OutSlice, OutputType};

use crate::alloc::try_vec;
use crate::error::{NpError, codes};
use crate::scratch::Scratch;
use crate::shared::{RefGuard, is_shared, typed_info};

// A plain input is copied on the JS thread, not by the pool: an async call
// must not wait for pool threads that long kernels may keep busy.

/// One input column as the kernel reads it: doubles.
pub enum Column<'v> {
  /// A copy (converted to doubles, or of memory the job cannot hold).
  Owned(Scratch),
  /// A `Float64Array` read in place: for the borrow `'v` of a sync call's
  /// argument, or (with a guard) shared memory an async job keeps alive.
  InPlace {
    /// Its first element (non-null, aligned).
    data: *const f64,
    /// Its length in elements.
    len: usize,
    /// The reference keeping shared memory alive (async calls).
    guard: Option<RefGuard>,
    /// The borrow of a sync call's argument.
    life: PhantomData<&'v [f64]>,
  },
}

// SAFETY: an in-place column is JS memory that stays valid for `'v` (a sync
// call's borrow) or while its guard lives (a SharedArrayBuffer, which cannot
// be detached or shrunk); the job only reads it, and the guard is Send.
unsafe impl Send for Column<'_> {}
// SAFETY: as above.
unsafe impl Sync for Column<'_> {}

impl Column<'_> {
  /// The column's doubles.
  pub fn as_slice(&self) -> &[f64] {
    match self {
      Column::Owned(v) => v.as_slice(),
      // SAFETY: see the Send impl; `data` is non-null and aligned.
      Column::InPlace { data, len, .. } => unsafe { std::slice::from_raw_parts(*data, *len) },
    }
  }

  /// Whether this column reads memory in place that overlaps `bytes`.
  fn overlaps(&self, bytes: std::ops::Range<usize>) -> bool {
    match self {
      Column::Owned(_) => false,
      Column::InPlace { data, len, .. } => {
        let start = *data as usize;
        let end = start + len * 8;
        start < bytes.end && bytes.start < end
      }
    }
  }
}

/// The input columns of a call, all of one length.
pub struct Columns<'v> {
  columns: Vec<Column<'v>>,
  len: usize,
}

impl<'v> Columns<'v> {
  /// Number of elements of each column.
  pub fn len(&self) -> usize {
    self.len
  }

  /// True when the columns are empty.
  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// Number of columns.
  pub fn count(&self) -> usize {
    self.columns.len()
  }

  /// The columns as slices, in order.
  pub fn slices(&self) -> Vec<&[f64]> {
    self.columns.iter().map(Column::as_slice).collect()
  }

  /// Copies every in-place column whose memory overlaps `bytes` (the
  /// output's), so results are as if all input were read before any output
  /// is written.
  pub fn unalias(&mut self, bytes: std::ops::Range<usize>) -> Result<(), NpError> {
    for (i, c) in self.columns.iter_mut().enumerate() {
      if c.overlaps(bytes.clone()) {
        let src = c.as_slice();
        let mut copy = Scratch::new(src.len(), &format!("a copy of \"input[{i}]\""))?;
        copy.as_mut_slice().copy_from_slice(src);
        *c = Column::Owned(copy);
      }
    }
    Ok(())
  }

  /// Deletes the references of shared columns now.
  ///
  /// # Safety
  /// `env` is the live env they were read in, on its JS thread, and no job
  /// reads them any more.
  pub unsafe fn release_now(self, env: sys::napi_env) {
    for c in self.columns {
      if let Column::InPlace {
        guard: Some(guard), ..
      } = c
      {
        // SAFETY: caller contract.
        unsafe { guard.release_now(env) };
      }
    }
  }
}

/// How a call may hold its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
  /// A sync call: JS waits, so any `Float64Array` is read in place.
  Sync,
  /// An async call: only shared `Float64Array`s are read in place.
  Async,
}

/// Reads the input columns (`lib/map.js` always passes an array of typed
/// arrays). Errors name `input` (one column) or `input[i]`.
///
/// Soundness: with [`Access::Sync`] the in-place columns borrow the argument
/// for `'v` (they cannot reach a `'static` job), and the caller must not run
/// JS (which could detach the arrays) while a job reads them: block in
/// `crate::pool::run_blocking_env_scoped`. With [`Access::Async`] every
/// in-place column holds a guard; [`read_columns_async`] returns them as `'static`.
pub fn read_columns<'v>(
  env: &Env,
  columns: &'v Unknown<'_>,
  access: Access,
) -> Result<Columns<'v>, NpError> {
  let raw = env.raw();
  let mut is_array = false;
  // SAFETY: live env and value on the JS thread.
  unsafe { sys::napi_is_array(raw, columns.raw(), &mut is_array) };
  if !is_array {
    return Err(NpError::invalid_arg_type(
      "input",
      "a TypedArray, a number[] or an array of them",
    ));
  }
  let mut n = 0u32;
  // SAFETY: as above.
  unsafe { sys::napi_get_array_length(raw, columns.raw(), &mut n) };
  if n == 0 {
    return Err(NpError::invalid_arg_value(
      "input",
      "must contain at least one array",
    ));
  }
  let mut out = try_vec(n as usize, "the input columns")?;
  for i in 0..n {
    let mut item = ptr::null_mut();
    // SAFETY: as above.
    unsafe { sys::napi_get_element(raw, columns.raw(), i, &mut item) };
    let name = if n == 1 {
      "input".to_string()
    } else {
      format!("input[{i}]")
    };
    out.push(read_column(raw, item, &name, access)?);
  }
  let len = out[0].as_slice().len();
  if let Some((i, c)) = out
    .iter()
    .enumerate()
    .find(|(_, c)| c.as_slice().len() != len)
  {
    return Err(NpError::range_error(
      codes::INVALID_ARG_VALUE,
      format!(
        "The input arrays must all have the same length: \"input[0]\" has {len} {} but \"input[{i}]\" has {}.",
        if len == 1 { "element" } else { "elements" },
        c.as_slice().len()
      ),
    ));
  }
  Ok(Columns { columns: out, len })
}

/// [`read_columns`] for an async job: every column is owned or shared.
pub fn read_columns_async(env: &Env, columns: Unknown<'_>) -> Result<Columns<'static>, NpError> {
  let columns = read_columns(env, &columns, Access::Async)?;
  Ok(Columns {
    columns: columns.columns.into_iter().map(unborrowed).collect(),
    len: columns.len,
  })
}

/// One typed array read as [`read_columns`] reads each column (reductions
/// take a single input), named `name` in errors.
pub fn read_single<'v>(
  env: &Env,
  value: &'v Unknown<'_>,
  name: &str,
  access: Access,
) -> Result<Column<'v>, NpError> {
  read_column(env.raw(), value.raw(), name, access)
}

/// [`read_single`] for an async job: the column is owned or shared.
pub fn read_single_async(
  env: &Env,
  value: Unknown<'_>,
  name: &str,
) -> Result<Column<'static>, NpError> {
  read_single(env, &value, name, Access::Async).map(unborrowed)
}

/// A column read with [`Access::Async`]: none borrows the argument (each
/// in-place one holds a guard), so the borrow may end.
fn unborrowed(c: Column<'_>) -> Column<'static> {
  match c {
    Column::Owned(v) => Column::Owned(v),
    Column::InPlace {
      data, len, guard, ..
    } => Column::InPlace {
      data,
      len,
      guard,
      life: PhantomData,
    },
  }
}

/// Reads one typed array as doubles: in place when `access` allows (see
/// [`read_columns`]), else converted into a fallibly allocated copy.
fn read_column<'v>(
  env: sys::napi_env,
  value: sys::napi_value,
  name: &str,
  access: Access,
) -> Result<Column<'v>, NpError> {
  let bad = || NpError::invalid_arg_type(name, "a TypedArray, a number[] or an array of them");
  // SAFETY: live env and value.
  let info = unsafe { typed_info(env, value) }.ok_or_else(bad)?;
  let (len, data) = (info.len, info.data);
  if len == 0 || data.is_null() {
    return Ok(Column::Owned(Scratch::new(0, name)?));
  }
  use sys::TypedarrayType as T;
  if info.kind == T::float64_array {
    let guard = match access {
      Access::Sync => Some(None),
      // SAFETY: live env and value, on the JS thread.
      Access::Async if unsafe { is_shared(env, &info) } => {
        unsafe { RefGuard::new(env, value) }.map(Some)
      }
      Access::Async => None,
    };
    if let Some(guard) = guard {
      return Ok(Column::InPlace {
        data: data.cast::<f64>().cast_const(),
        len,
        guard,
        life: PhantomData,
      });
    }
  }
  let mut out = Scratch::new(len, &format!("a copy of \"{name}\" as doubles"))?;
  macro_rules! conv {
    ($t:ty) => {{
      // SAFETY: napi reported `len` elements of this type at `data`
      // (aligned: typed array offsets are multiples of the element size).
      let s = unsafe { std::slice::from_raw_parts(data as *const $t, len) };
      for (o, x) in out.as_mut_slice().iter_mut().zip(s) {
        *o = *x as f64;
      }
    }};
  }
  match info.kind {
    T::float64_array => out.as_mut_slice().copy_from_slice(
      // SAFETY: as in `conv!`.
      unsafe { std::slice::from_raw_parts(data as *const f64, len) },
    ),
    T::float32_array => conv!(f32),
    T::int32_array => conv!(i32),
    T::uint32_array => conv!(u32),
    T::int16_array => conv!(i16),
    T::uint16_array => conv!(u16),
    T::int8_array => conv!(i8),
    T::uint8_array | T::uint8_clamped_array => conv!(u8),
    _ => {
      return Err(NpError::invalid_arg_type(
        name,
        "a numeric TypedArray (not BigInt64Array/BigUint64Array)",
      ));
    }
  }
  Ok(Column::Owned(out))
}

/// Bytes of one element of `kind`.
fn elem_size(kind: OutputType) -> usize {
  match kind {
    OutputType::Float64 => 8,
    OutputType::Float32 | OutputType::Int32 | OutputType::Uint32 => 4,
    OutputType::Uint8 => 1,
  }
}

fn napi_kind(kind: OutputType) -> sys::napi_typedarray_type {
  use sys::TypedarrayType as T;
  match kind {
    OutputType::Float64 => T::float64_array,
    OutputType::Float32 => T::float32_array,
    OutputType::Int32 => T::int32_array,
    OutputType::Uint32 => T::uint32_array,
    OutputType::Uint8 => T::uint8_array,
  }
}

fn kind_name(kind: OutputType) -> &'static str {
  match kind {
    OutputType::Float64 => "Float64Array",
    OutputType::Float32 => "Float32Array",
    OutputType::Int32 => "Int32Array",
    OutputType::Uint32 => "Uint32Array",
    OutputType::Uint8 => "Uint8Array",
  }
}

/// "a Float64Array", "an Int32Array".
fn with_article(name: &str) -> String {
  let article = if name.starts_with('I') { "an" } else { "a" };
  format!("{article} {name}")
}

/// The output kinds `out` may be.
const OUT_KINDS: &str = "a Float64Array, Float32Array, Int32Array, Uint32Array or Uint8Array";

/// The caller's `options.out`, checked against the input length.
pub struct OutArray {
  /// The typed array.
  pub value: sys::napi_value,
  /// Its element type.
  pub kind: OutputType,
  data: *mut u8,
  len: usize,
  shared: bool,
}

impl OutArray {
  /// Its memory as a byte range (for [`Columns::unalias`]).
  pub fn bytes(&self) -> std::ops::Range<usize> {
    let start = self.data as usize;
    start..start + self.len * elem_size(self.kind)
  }

  /// Whether its buffer is a `SharedArrayBuffer`.
  pub fn is_shared(&self) -> bool {
    self.shared
  }
}

/// An [`OutSlice`] over raw memory.
///
/// # Safety
/// `data` holds `len` elements of `kind` (aligned, non-null when `len > 0`),
/// writable by this thread alone for `'a`.
unsafe fn out_slice<'a>(data: *mut u8, len: usize, kind: OutputType) -> OutSlice<'a> {
  if len == 0 {
    return match kind {
      OutputType::Float64 => OutSlice::Float64(&mut []),
      OutputType::Float32 => OutSlice::Float32(&mut []),
      OutputType::Int32 => OutSlice::Int32(&mut []),
      OutputType::Uint32 => OutSlice::Uint32(&mut []),
      OutputType::Uint8 => OutSlice::Uint8(&mut []),
    };
  }
  // SAFETY: caller contract.
  unsafe {
    match kind {
      OutputType::Float64 => OutSlice::Float64(std::slice::from_raw_parts_mut(data.cast(), len)),
      OutputType::Float32 => OutSlice::Float32(std::slice::from_raw_parts_mut(data.cast(), len)),
      OutputType::Int32 => OutSlice::Int32(std::slice::from_raw_parts_mut(data.cast(), len)),
      OutputType::Uint32 => OutSlice::Uint32(std::slice::from_raw_parts_mut(data.cast(), len)),
      OutputType::Uint8 => OutSlice::Uint8(std::slice::from_raw_parts_mut(data, len)),
    }
  }
}

/// Reads and checks `options.out` for an input of `n` elements: a typed
/// array of one of the output kinds (`ERR_INVALID_ARG_TYPE`), not detached
/// (`ERR_INVALID_ARG_VALUE`), of length `n` (RangeError
/// `ERR_INVALID_ARG_VALUE`), and of the kind `options.output` names if given
/// (`ERR_INVALID_ARG_VALUE`).
///
/// # Safety
/// Live env and value, on the JS thread.
pub unsafe fn read_out(
  env: sys::napi_env,
  value: sys::napi_value,
  n: usize,
  output: Option<OutputType>,
) -> Result<OutArray, NpError> {
  let bad = || NpError::invalid_arg_type("options.out", OUT_KINDS);
  // SAFETY: caller contract.
  let info = unsafe { typed_info(env, value) }.ok_or_else(bad)?;
  use sys::TypedarrayType as T;
  let kind = match info.kind {
    T::float64_array => OutputType::Float64,
    T::float32_array => OutputType::Float32,
    T::int32_array => OutputType::Int32,
    T::uint32_array => OutputType::Uint32,
    T::uint8_array => OutputType::Uint8,
    _ => return Err(bad()),
  };
  // SAFETY: caller contract.
  if unsafe { crate::args::is_detached_view(env, value) } {
    return Err(crate::args::detached("options.out"));
  }
  if let Some(o) = output
    && o != kind
  {
    return Err(NpError::invalid_arg_value(
      "options.output",
      &format!(
        "must match \"options.out\" ({}) or be left out",
        with_article(kind_name(kind))
      ),
    ));
  }
  if info.len != n {
    return Err(NpError::range_error(
      codes::INVALID_ARG_VALUE,
      format!(
        "The \"options.out\" argument must have the input's length ({n} {}). Received {} of length {}.",
        if n == 1 { "element" } else { "elements" },
        with_article(kind_name(kind)),
        info.len
      ),
    ));
  }
  Ok(OutArray {
    value,
    kind,
    data: info.data,
    len: info.len,
    // SAFETY: caller contract.
    shared: unsafe { is_shared(env, &info) },
  })
}

/// A new ArrayBuffer of `bytes` bytes and its data, allocated by V8 (zeroed).
/// `ERR_OUT_OF_MEMORY` (naming the size) when it cannot be had.
///
/// # Safety
/// Live env, on the JS thread.
pub unsafe fn new_array_buffer(
  env: sys::napi_env,
  bytes: usize,
) -> Result<(sys::napi_value, *mut u8), NpError> {
  // V8 ends the process when it cannot allocate an ArrayBuffer's memory;
  // make sure the allocator can serve the size first.
  drop(try_vec::<u8>(bytes, "the result")?);
  let (mut buffer, mut data) = (ptr::null_mut(), ptr::null_mut());
  // SAFETY: caller contract; out-params valid.
  if unsafe { sys::napi_create_arraybuffer(env, bytes, &mut data, &mut buffer) }
    != sys::Status::napi_ok
  {
    // SAFETY: caller contract.
    unsafe { crate::typed::clear_exception(env) };
    return Err(NpError::range_error(
      codes::OUT_OF_MEMORY,
      format!("Cannot create the result buffer ({bytes} bytes)"),
    ));
  }
  // Nothing has touched the (zeroed, lazily mapped) memory yet: the pool's
  // first writes fault it in, 2 MiB at a time where the system allows.
  crate::hugepages::advise(data.cast(), bytes);
  Ok((buffer, data.cast()))
}

/// A typed array of `kind` over all of `buffer` (`len` elements).
///
/// # Safety
/// Live env and ArrayBuffer, on the JS thread.
pub unsafe fn typed_array_over(
  env: sys::napi_env,
  buffer: sys::napi_value,
  kind: OutputType,
  len: usize,
) -> Result<sys::napi_value, NpError> {
  let mut out = ptr::null_mut();
  // SAFETY: caller contract.
  if unsafe { sys::napi_create_typedarray(env, napi_kind(kind), len, buffer, 0, &mut out) }
    != sys::Status::napi_ok
  {
    // SAFETY: caller contract.
    unsafe { crate::typed::clear_exception(env) };
    return Err(NpError::range_error(
      codes::OUT_OF_MEMORY,
      format!("Cannot create the result array ({len} elements)"),
    ));
  }
  Ok(out)
}

/// Where a sync map writes: the caller's `out` or a fresh ArrayBuffer.
pub struct SyncDest {
  /// The value the call returns (`out`, or the ArrayBuffer until [`SyncDest::finish`]).
  value: sys::napi_value,
  fresh: bool,
  data: *mut u8,
  len: usize,
  kind: OutputType,
}

impl SyncDest {
  /// `out` if given, else a fresh ArrayBuffer for `n` elements of `kind`.
  ///
  /// # Safety
  /// Live env, on the JS thread.
  pub unsafe fn new(
    env: sys::napi_env,
    out: Option<&OutArray>,
    n: usize,
    kind: OutputType,
  ) -> Result<SyncDest, NpError> {
    if let Some(out) = out {
      return Ok(SyncDest {
        value: out.value,
        fresh: false,
        data: out.data,
        len: out.len,
        kind: out.kind,
      });
    }
    let bytes = n
      .checked_mul(elem_size(kind))
      .ok_or_else(|| NpError::out_of_memory("the result", usize::MAX))?;
    // SAFETY: caller contract.
    let (value, data) = unsafe { new_array_buffer(env, bytes) }?;
    Ok(SyncDest {
      value,
      fresh: true,
      data,
      len: n,
      kind,
    })
  }

  /// The memory to write.
  ///
  /// # Safety
  /// JS is blocked while the slice lives (the value is held by this call's
  /// handle scope; nothing can detach it).
  pub unsafe fn slice<'a>(&self) -> OutSlice<'a> {
    // SAFETY: caller contract.
    unsafe { out_slice(self.data, self.len, self.kind) }
  }

  /// The call's result: `out` itself, or a typed array over the fresh buffer.
  ///
  /// # Safety
  /// Live env, on the JS thread.
  pub unsafe fn finish(self, env: sys::napi_env) -> Result<sys::napi_value, NpError> {
    if !self.fresh {
      return Ok(self.value);
    }
    // SAFETY: caller contract.
    unsafe { typed_array_over(env, self.value, self.kind, self.len) }
  }
}

/// Where an async map writes, chosen on the JS thread at the call.
pub enum AsyncDest {
  /// A fresh ArrayBuffer that no JS can see until the task settles (so it
  /// cannot be detached meanwhile), kept alive by the guard.
  Fresh {
    /// Keeps the ArrayBuffer alive.
    guard: RefGuard,
    /// Its memory.
    data: *mut u8,
    /// Elements.
    len: usize,
    /// Element type.
    kind: OutputType,
  },
  /// The caller's `out` over a SharedArrayBuffer, written in place.
  Shared {
    /// Keeps the view (and its buffer) alive.
    guard: RefGuard,
    /// Its memory.
    data: *mut u8,
    /// Elements.
    len: usize,
    /// Element type.
    kind: OutputType,
  },
  /// The caller's plain `out`: results go to a native buffer, copied into
  /// `out` when the task settles.
  CopyInto {
    /// The view to copy into.
    guard: RefGuard,
    /// The results (`len` elements of `kind`, in a recycled buffer).
    buffer: Scratch,
    /// Elements.
    len: usize,
    /// Element type.
    kind: OutputType,
  },
}

// SAFETY: the raw memory is a buffer that the guard keeps alive and that JS
// cannot detach (fresh and unseen, or shared); it is written by the job
// alone (each element by one pool thread), and the guard is Send.
unsafe impl Send for AsyncDest {}

impl AsyncDest {
  /// Chooses the destination for `n` elements of `kind` (`out`'s when given).
  ///
  /// # Safety
  /// Live env, on the JS thread.
  pub unsafe fn new(
    env: sys::napi_env,
    out: Option<&OutArray>,
    n: usize,
    kind: OutputType,
  ) -> Result<AsyncDest, NpError> {
    let no_ref = || NpError::error(codes::INTERNAL, "napi could not create a reference");
    match out {
      Some(out) if out.shared => Ok(AsyncDest::Shared {
        // SAFETY: caller contract.
        guard: unsafe { RefGuard::new(env, out.value) }.ok_or_else(no_ref)?,
        data: out.data,
        len: out.len,
        kind: out.kind,
      }),
      Some(out) => {
        let doubles = (n * elem_size(out.kind)).div_ceil(8);
        Ok(AsyncDest::CopyInto {
          buffer: Scratch::new(doubles, "the results")?,
          // SAFETY: caller contract.
          guard: unsafe { RefGuard::new(env, out.value) }.ok_or_else(no_ref)?,
          len: n,
          kind: out.kind,
        })
      }
      None => {
        let bytes = n
          .checked_mul(elem_size(kind))
          .ok_or_else(|| NpError::out_of_memory("the result", usize::MAX))?;
        // SAFETY: caller contract.
        let (buffer, data) = unsafe { new_array_buffer(env, bytes) }?;
        Ok(AsyncDest::Fresh {
          // SAFETY: caller contract.
          guard: unsafe { RefGuard::new(env, buffer) }.ok_or_else(no_ref)?,
          data,
          len: n,
          kind,
        })
      }
    }
  }

  /// The memory the job writes.
  pub fn slice(&mut self) -> OutSlice<'_> {
    match self {
      AsyncDest::Fresh {
        data, len, kind, ..
      }
      | AsyncDest::Shared {
        data, len, kind, ..
      } => {
        // SAFETY: see the Send impl; the borrow of `self` is unique.
        unsafe { out_slice(*data, *len, *kind) }
      }
      AsyncDest::CopyInto {
        buffer, len, kind, ..
      } => {
        // SAFETY: the buffer holds `len` elements of `kind` (8-byte aligned),
        // initialised, and the borrow of `self` is unique.
        unsafe { out_slice(buffer.as_mut_ptr(), *len, *kind) }
      }
    }
  }

  /// The task's result, on the JS thread once the job has ended: a typed
  /// array over the fresh buffer, or `out` itself (for a plain one, after
  /// copying the results in; `ERR_INVALID_ARG_VALUE` if it was detached or
  /// resized meanwhile).
  ///
  /// # Safety
  /// `env` is the live env of the call, on its JS thread; the job has ended.
  pub unsafe fn finish(self, env: sys::napi_env) -> Result<sys::napi_value, NpError> {
    let lost = || NpError::error(codes::INTERNAL, "a map result's reference was lost");
    match self {
      AsyncDest::Fresh {
        guard, len, kind, ..
      } => {
        // SAFETY: caller contract.
        let buffer = unsafe { guard.value(env) }.ok_or_else(lost)?;
        // SAFETY: caller contract.
        let value = unsafe { typed_array_over(env, buffer, kind, len) };
        // SAFETY: caller contract.
        unsafe { guard.release_now(env) };
        value
      }
      AsyncDest::Shared { guard, .. } => {
        // SAFETY: caller contract.
        let value = unsafe { guard.value(env) }.ok_or_else(lost);
        // SAFETY: caller contract.
        unsafe { guard.release_now(env) };
        value
      }
      AsyncDest::CopyInto {
        guard,
        buffer,
        len,
        kind,
      } => {
        // SAFETY: caller contract.
        let value = unsafe { guard.value(env) }.ok_or_else(lost);
        // SAFETY: caller contract.
        unsafe { guard.release_now(env) };
        let value = value?;
        // SAFETY: caller contract.
        unsafe { copy_into(env, value, buffer.as_ptr(), len * elem_size(kind), len) }?;
        Ok(value)
      }
    }
  }
}

/// Copies `results` into the plain `out` at settle, unless JS detached or
/// resized it while the task ran (`ERR_INVALID_ARG_VALUE`).
///
/// # Safety
/// Live env and value, on the JS thread.
unsafe fn copy_into(
  env: sys::napi_env,
  out: sys::napi_value,
  src: *const u8,
  bytes: usize,
  len: usize,
) -> Result<(), NpError> {
  let changed = || {
    NpError::invalid_arg_value(
      "options.out",
      "was detached or resized while the task ran; its results were dropped",
    )
  };
  // SAFETY: caller contract.
  let info = unsafe { typed_info(env, out) }.ok_or_else(changed)?;
  // SAFETY: caller contract.
  if info.len != len || unsafe { crate::args::is_detached_view(env, out) } {
    return Err(changed());
  }
  if len == 0 || info.data.is_null() {
    return Ok(());
  }
  // SAFETY: `out` has `len` elements of the results' kind (checked at the
  // call; the length is checked again above), `src` holds `bytes` bytes of
  // them, and the two are distinct memory.
  unsafe { ptr::copy_nonoverlapping(src, info.data, bytes) };
  Ok(())
}
