//! Arbitrary HTTP answers through the Vault and Kubernetes clients' answer
//! handling (`error_from_answer`, `error_from_unparsable_read`): never a
//! panic, and whatever the body holds, the message is one bounded line with
//! no control character and never the token the request carried, even when
//! the server echoes it (the fuzzer's bytes are planted around it).
//!
//! Input: 2 bytes status, 1 byte where to plant the token, then the body.

#![no_main]

use kvault::store::redact::Redactor;
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "hvs.FuzzPlantedToken0123456789abcd";

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_be_bytes([data[0], data[1]]) % 500;
    let body = &data[3..];
    let at = (data[2] as usize).min(body.len());
    let mut planted = body[..at].to_vec();
    planted.extend_from_slice(TOKEN.as_bytes());
    planted.extend_from_slice(&body[at..]);
    let hide = Redactor::new().secret(TOKEN.as_bytes());
    let messages = [
        Some(kvault::store::vault::error_from_answer(status, &planted, &hide).to_string()),
        kvault::store::vault::error_from_unparsable_read(&planted, &hide).map(|e| e.to_string()),
        Some(kvault::store::kube::error_from_answer(&planted).to_string()),
        Some(kvault::store::vault::error_from_answer(status, body, &hide).to_string()),
    ];
    for message in messages.into_iter().flatten() {
        assert!(!message.contains(TOKEN), "token shown: {message}");
        assert!(!message.contains("FuzzPlantedToken"), "token part shown: {message}");
        // Our own help lines are the only line breaks allowed.
        for line in message.lines() {
            assert!(!line.chars().any(|c| c.is_control()), "control character: {line:?}");
            assert!(line.chars().count() <= 1000, "unbounded: {} chars", line.len());
        }
    }
});
