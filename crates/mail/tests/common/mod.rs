//! What the mail tests share: the mail pipeline over a throw-away database.

pub use podpora_mail::testing::room;
