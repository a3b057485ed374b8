//! Who is calling: entities with Interop vouchers, the app backend with an API key.

pub mod app_key;
pub mod voucher;
