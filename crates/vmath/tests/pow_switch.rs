//! `set_pow_impl` changes process-wide state, so it lives in its own test
//! binary (own process) to keep the other tests deterministic.

use napi_parallel_vmath as vm;
use vm::PowImpl;

#[macro_use]
mod common;

#[test]
fn pow_impl_can_be_switched() {
  let before = vm::pow_impl();
  vm::set_pow_impl(PowImpl::Host);
  assert_eq!(vm::pow_impl(), PowImpl::Host);
  assert_bits!(vm::js_pow(2.0, 1.5), 2f64.powf(1.5));
  assert_bits!(vm::js_pow(1.0, f64::INFINITY), f64::NAN); // special cases still apply
  assert_bits!(vm::js_pow(f64::NAN, 0.0), 1.0);
  vm::set_pow_impl(PowImpl::NodeSymbol); // absent here: falls back to the port
  assert_bits!(vm::js_pow(2.0, 1.5), 2.82842712474619);
  vm::set_pow_impl(before);
}
