mod auth;
mod binary;
mod errors;
mod groups;
mod idempotency;
mod people;
mod privacy;
mod stream;
mod sync;

pub use auth::*;
pub use binary::*;
pub use errors::*;
pub use groups::*;
pub use idempotency::*;
pub use people::*;
pub use privacy::*;
pub use stream::*;
pub use sync::*;
