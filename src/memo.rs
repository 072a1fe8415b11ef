//! Binding module (being written).
