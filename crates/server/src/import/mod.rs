//! Imports from other systems into a Commons database, through write
//! transactions with change-log rows (clients sync what was imported), never
//! raising notifications. Each imported item is recorded in `import_ids`
//! (`db::imports`) in the transaction that creates it, so an import run again
//! skips what is there and an interrupted one continues where it stopped.

pub mod workplace;
