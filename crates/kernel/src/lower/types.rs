//! Static types of the lowering: a set of number / boolean per value, and
//! what one pass observed for each local and function return (the fixpoint
//! [`super::lower_kernel`] iterates on).

use std::collections::HashMap;

use crate::ir::{FuncId, LocalId};

/// Static type as a set: `NUM | BOOL`; empty while unknown.
pub(super) type Ty = u8;
pub(super) const NUM: Ty = 1;
pub(super) const BOOL: Ty = 2;

#[derive(Default, Clone, PartialEq, Debug)]
pub(super) struct Types {
  pub(super) locals: HashMap<(FuncId, LocalId), Ty>,
  pub(super) returns: HashMap<FuncId, Ty>,
}
