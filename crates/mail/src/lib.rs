//! podpora mail layer
