//! Clustering beyond routes: NRG, the RAFT that Go nats-server speaks over
//! `$NRG.*` subjects (`nrg`), and later the JetStream meta group and the
//! replicated streams and consumers on top of it. Routes themselves are the
//! `route` module; this one only needs messages to cross them.
pub mod nrg;
