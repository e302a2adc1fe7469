//! The NATS config file format.
