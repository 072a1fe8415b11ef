//! Read-only arrays passed in `params`: their element kinds ([`ElemKind`]),
//! what the host hands the generated code ([`ArrayRef`]), and the code for
//! `a[j]` and `a.length`.
//!
//! `a[j]` follows JS: the index is ToPropertyKey'd, so only an integral
//! number in `0..length` reads an element (`-0` reads element 0, since
//! `String(-0)` is `"0"`); a negative, fractional, NaN, infinite or too
//! large index reads `undefined`. The test is branch-free: `k =
//! fcvt_to_uint_sat(j)` and the index is valid when `k as f64 == j` and `k <
//! length`; only the load itself sits behind a branch. Each element kind
//! loads its own width and converts exactly to a double (a `Float32Array`
//! element is widened, an integer one converted).
//!
//! Every function loads each array's base and length once, in its entry
//! block (see [`Gen::load_arrays`]), so element loops keep them in registers.

use std::marker::PhantomData;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};

use super::abi::OFF_ARRAYS;
use super::value::Tag;
use super::{Gen, readonly};
use crate::error::KernelError;
use crate::ir::{BOOL, Expr, NUM, UNDEF};

/// The element type of an array passed in `params` (every numeric
/// TypedArray kind; a plain array of numbers is copied to `Float64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ElemKind {
  /// `Float64Array` (and a plain `number[]`, copied).
  Float64,
  /// `Float32Array`.
  Float32,
  /// `Int8Array`.
  Int8,
  /// `Uint8Array` / `Buffer`.
  Uint8,
  /// `Uint8ClampedArray` (reads as `Uint8Array` does).
  Uint8Clamped,
  /// `Int16Array`.
  Int16,
  /// `Uint16Array`.
  Uint16,
  /// `Int32Array`.
  Int32,
  /// `Uint32Array`.
  Uint32,
}

impl ElemKind {
  /// Every kind, for tests and for hosts that list them.
  pub const ALL: [ElemKind; 9] = [
    ElemKind::Float64,
    ElemKind::Float32,
    ElemKind::Int8,
    ElemKind::Uint8,
    ElemKind::Uint8Clamped,
    ElemKind::Int16,
    ElemKind::Uint16,
    ElemKind::Int32,
    ElemKind::Uint32,
  ];

  /// Bytes per element.
  pub fn size(self) -> usize {
    match self {
      ElemKind::Float64 => 8,
      ElemKind::Float32 | ElemKind::Int32 | ElemKind::Uint32 => 4,
      ElemKind::Int16 | ElemKind::Uint16 => 2,
      ElemKind::Int8 | ElemKind::Uint8 | ElemKind::Uint8Clamped => 1,
    }
  }

  /// The JS constructor's name (`"Float64Array"`, …), for messages.
  pub fn js_name(self) -> &'static str {
    match self {
      ElemKind::Float64 => "Float64Array",
      ElemKind::Float32 => "Float32Array",
      ElemKind::Int8 => "Int8Array",
      ElemKind::Uint8 => "Uint8Array",
      ElemKind::Uint8Clamped => "Uint8ClampedArray",
      ElemKind::Int16 => "Int16Array",
      ElemKind::Uint16 => "Uint16Array",
      ElemKind::Int32 => "Int32Array",
      ElemKind::Uint32 => "Uint32Array",
    }
  }
}

/// What one `params` entry is, as far as compilation cares: a number (read
/// as a constant) or an array of some element kind (indexed). Part of the
/// compile cache's key: a different kind compiles different code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ParamKind {
  /// A number (or a boolean, as 0/1).
  #[default]
  Number,
  /// A read-only array, indexed as `name[j]`, with `name.length`.
  Array(ElemKind),
}

/// An array the generated code reads: a base pointer, a length in elements
/// and the element kind (checked by the host against what the kernel was
/// compiled for). `repr(C)`: the generated code reads `ptr` at offset 0 and
/// `len` at offset 8, with a stride of [`ARRAY_REF_SIZE`] bytes.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct ArrayRef<'a> {
  ptr: *const u8,
  len: usize,
  kind: ElemKind,
  _data: PhantomData<&'a [u8]>,
}

// SAFETY: an `ArrayRef` is a shared, read-only view (like `&[T]`).
unsafe impl Send for ArrayRef<'_> {}
// SAFETY: as above.
unsafe impl Sync for ArrayRef<'_> {}

/// Element types with an [`ElemKind`].
pub trait Element: Copy {
  /// The kind of array that holds it.
  const KIND: ElemKind;
}

macro_rules! element {
  ($t:ty, $k:ident) => {
    impl Element for $t {
      const KIND: ElemKind = ElemKind::$k;
    }
  };
}
element!(f64, Float64);
element!(f32, Float32);
element!(i8, Int8);
element!(u8, Uint8);
element!(i16, Int16);
element!(u16, Uint16);
element!(i32, Int32);
element!(u32, Uint32);

impl<'a> ArrayRef<'a> {
  /// A view of `data`.
  pub fn new<T: Element>(data: &'a [T]) -> Self {
    ArrayRef {
      ptr: data.as_ptr().cast(),
      len: data.len(),
      kind: T::KIND,
      _data: PhantomData,
    }
  }

  /// A `Uint8ClampedArray` view of `data` (it reads as bytes).
  pub fn clamped(data: &'a [u8]) -> Self {
    ArrayRef {
      kind: ElemKind::Uint8Clamped,
      ..ArrayRef::new(data)
    }
  }

  /// A view of `len` elements of `kind` at `ptr`.
  ///
  /// # Safety
  /// `ptr` is aligned for `kind` and `len * kind.size()` bytes from it stay
  /// readable for `'a` (they may be written concurrently, as a
  /// `SharedArrayBuffer` may: the reads then see some mix of old and new
  /// elements, never anything outside the array).
  pub unsafe fn from_raw(ptr: *const u8, len: usize, kind: ElemKind) -> Self {
    let ptr = if len == 0 {
      std::ptr::NonNull::<u64>::dangling().as_ptr().cast()
    } else {
      ptr
    };
    ArrayRef {
      ptr,
      len,
      kind,
      _data: PhantomData,
    }
  }

  /// Length in elements.
  pub fn len(&self) -> usize {
    self.len
  }

  /// True if empty.
  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// The element kind.
  pub fn kind(&self) -> ElemKind {
    self.kind
  }
}

/// Bytes between consecutive [`ArrayRef`]s (the generated code's stride).
pub const ARRAY_REF_SIZE: usize = std::mem::size_of::<ArrayRef<'static>>();

/// Checks that `arrays` are what a kernel compiled for `kinds` reads.
pub(crate) fn check_arrays(kinds: &[ElemKind], arrays: &[ArrayRef<'_>]) -> Result<(), KernelError> {
  if kinds.len() != arrays.len() || kinds.iter().zip(arrays).any(|(k, a)| *k != a.kind) {
    return Err(KernelError::Internal(
      "the params arrays do not match the kernel".into(),
    ));
  }
  Ok(())
}

impl Gen<'_, '_> {
  /// Loads each array's base and length in the entry block (called by the
  /// prologue of every function).
  pub(super) fn load_arrays(&mut self) {
    self.arrays.clear();
    if self.program.arrays.is_empty() {
      return;
    }
    let table = self
      .b
      .ins()
      .load(self.ptr, readonly(), self.ctx, OFF_ARRAYS);
    for k in 0..self.program.arrays.len() {
      let at = (k * ARRAY_REF_SIZE) as i32;
      let base = self.b.ins().load(self.ptr, readonly(), table, at);
      let len = self.b.ins().load(self.ptr, readonly(), table, at + 8);
      self.arrays.push((base, len));
    }
  }

  /// `a.length` for array slot `slot`.
  pub(super) fn array_length(&mut self, slot: u32) -> Result<Value, KernelError> {
    let (_, len) = self.array_slot(slot)?;
    Ok(self.b.ins().fcvt_from_uint(types::F64, len))
  }

  /// `a[index]` for array slot `slot` as a number: the element, or NaN
  /// (ToNumber of `undefined`) for anything but an integral index in range.
  pub(super) fn array_index(&mut self, slot: u32, index: &Expr) -> Result<Value, KernelError> {
    Ok(self.array_read(slot, index)?.0)
  }

  /// `a[index]` with its kind: the element (a number), or `undefined`.
  pub(super) fn array_index_tv(
    &mut self,
    slot: u32,
    index: &Expr,
  ) -> Result<(Value, Tag), KernelError> {
    let (v, ok) = self.array_read(slot, index)?;
    let num = self.b.ins().iconst(types::I8, NUM as i64);
    let undef = self.b.ins().iconst(types::I8, UNDEF as i64);
    let tag = self.b.ins().select(ok, num, undef);
    Ok((v, Tag::Dyn(tag)))
  }

  /// The payload of `a[index]` and whether an element was read (an i8
  /// condition). Only a number index can name an element: a boolean is the
  /// property "true"/"false", `undefined` is NaN (never integral).
  fn array_read(&mut self, slot: u32, index: &Expr) -> Result<(Value, Value), KernelError> {
    let (base, len) = self.array_slot(slot)?;
    let kind = self.program.arrays[slot as usize];
    let ti = self.ty(index);
    let (j, is_number) = if ti & BOOL == 0 {
      (self.expr(index)?, None)
    } else if ti == BOOL {
      self.expr(index)?;
      (self.num(f64::NAN), None)
    } else {
      let (j, tag) = self.tv(index)?;
      let tag = self.tag_value(tag);
      let is_num = self.b.ins().icmp_imm_u(IntCC::Equal, tag, NUM as i64);
      (j, Some(is_num))
    };
    let ptr = self.ptr;
    let k = self.b.ins().fcvt_to_uint_sat(ptr, j);
    let back = self.b.ins().fcvt_from_uint(types::F64, k);
    let integral = self.b.ins().fcmp(FloatCC::Equal, back, j);
    let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, k, len);
    let mut ok = self.b.ins().band(integral, inside);
    if let Some(is_num) = is_number {
      ok = self.b.ins().band(ok, is_num);
    }
    let load = self.b.create_block();
    let merge = self.b.create_block();
    self.b.append_block_param(merge, types::F64);
    let undefined = self.num(f64::NAN);
    self
      .b
      .ins()
      .brif(ok, load, &[], merge, &[BlockArg::Value(undefined)]);
    self.b.switch_to_block(load);
    let offset = self.b.ins().imul_imm_u(k, kind.size() as i64);
    let addr = self.b.ins().iadd(base, offset);
    let v = self.load_element(kind, addr);
    self.b.ins().jump(merge, &[BlockArg::Value(v)]);
    self.b.switch_to_block(merge);
    Ok((self.b.block_params(merge)[0], ok))
  }

  fn array_slot(&self, slot: u32) -> Result<(Value, Value), KernelError> {
    self
      .arrays
      .get(slot as usize)
      .copied()
      .ok_or_else(|| KernelError::Internal(format!("array slot {slot} not loaded")))
  }

  /// One element at `addr` as a double (exact for every kind). The memory
  /// may be shared with other threads, so the load is not marked readonly.
  fn load_element(&mut self, kind: ElemKind, addr: Value) -> Value {
    let flags = super::TRUSTED;
    let ins = self.b.ins();
    match kind {
      ElemKind::Float64 => ins.load(types::F64, flags, addr, 0),
      ElemKind::Float32 => {
        let v = ins.load(types::F32, flags, addr, 0);
        self.b.ins().fpromote(types::F64, v)
      }
      ElemKind::Uint32 => {
        let v = ins.uload32(flags, addr, 0);
        self.b.ins().fcvt_from_sint(types::F64, v)
      }
      _ => {
        let v = match kind {
          ElemKind::Int8 => ins.sload8(types::I32, flags, addr, 0),
          ElemKind::Int16 => ins.sload16(types::I32, flags, addr, 0),
          ElemKind::Uint16 => ins.uload16(types::I32, flags, addr, 0),
          ElemKind::Int32 => ins.load(types::I32, flags, addr, 0),
          // Uint8, Uint8Clamped
          _ => ins.uload8(types::I32, flags, addr, 0),
        };
        self.b.ins().fcvt_from_sint(types::F64, v)
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use std::mem::offset_of;

  use super::*;

  /// The generated code reads `ptr` at 0 and `len` at 8, stride 24.
  #[test]
  fn array_refs_have_the_layout_the_code_reads() {
    assert_eq!(offset_of!(ArrayRef<'static>, ptr), 0);
    assert_eq!(offset_of!(ArrayRef<'static>, len), 8);
    assert_eq!(ARRAY_REF_SIZE, 24);
    let v = [1u16, 2, 3];
    let a = ArrayRef::new(&v);
    assert_eq!(
      (a.len(), a.kind(), a.is_empty()),
      (3, ElemKind::Uint16, false)
    );
    // SAFETY: an empty view reads nothing.
    let e = unsafe { ArrayRef::from_raw(std::ptr::null(), 0, ElemKind::Float64) };
    assert!(e.is_empty() && !e.ptr.is_null());
    for k in ElemKind::ALL {
      assert!(k.js_name().ends_with("Array") && [1, 2, 4, 8].contains(&k.size()));
    }
  }
}
