pub const EMPTY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
pub const SALT_PREFIX: &[u8] = b"JKYShjXcN5rPOgMU";
pub fn token_bucket(rate: u32) -> u32 { rate }
