//! One module per `callrec` command; each is a thin layer over `callrec-core`.

pub mod backend;
pub mod config;
pub mod demo;
pub mod status;
