//! Feeds arbitrary bytes to the protocol parser, in client or route mode (a
//! bit of the first byte), split into chunks at positions taken from the input
//! itself, as a network read would split them. The parser must never panic and
//! must make progress or stop with an error.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use server::protocol::{Limits, Parser};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let headers = split & 0x80 != 0;
    let route = split & 0x40 != 0;
    let limits = Limits { max_payload: Some(1024), max_control_line: 256, headers };
    let mut parser = if route { Parser::for_route() } else { Parser::new() };
    let mut buf = BytesMut::new();
    let step = (split as usize & 0x3f) % 17 + 1;
    for chunk in rest.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            match parser.next_op(&mut buf, &limits) {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
