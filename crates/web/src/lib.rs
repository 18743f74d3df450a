//! podpora web layer
