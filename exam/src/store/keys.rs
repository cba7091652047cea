//! Every key of the store, built in one place. The layout is that of every
//! existing data directory: `batch/ticket`, `batch/ticket/00042`,
//! `batch/00000007`, big-endian event numbers, and named meta facts.

/// `batch/`: every record of a batch.
pub(super) fn batch_prefix(batch: &str) -> Vec<u8> {
    format!("{batch}/").into_bytes()
}

/// `batch/ticket`.
pub(super) fn seat(batch: &str, ticket: &str) -> Vec<u8> {
    format!("{batch}/{ticket}").into_bytes()
}

/// `batch/ticket/`: every position of a seat.
pub(super) fn seat_prefix(batch: &str, ticket: &str) -> Vec<u8> {
    format!("{batch}/{ticket}/").into_bytes()
}

/// `batch/ticket/00042`: an answer or a marking record.
pub(super) fn position(batch: &str, ticket: &str, pos: usize) -> Vec<u8> {
    format!("{batch}/{ticket}/{pos:05}").into_bytes()
}

/// (ticket, position) of a position key.
pub(super) fn parse_position(key: &[u8]) -> Option<(String, usize)> {
    let text = std::str::from_utf8(key).ok()?;
    let (rest, pos) = text.rsplit_once('/')?;
    let (_, ticket) = rest.split_once('/')?;
    Some((ticket.to_string(), pos.parse().ok()?))
}

/// `batch/CODE`: the response an anonymous code names.
pub(super) fn code(batch: &str, code: &str) -> Vec<u8> {
    format!("{batch}/{code}").into_bytes()
}

/// `batch/00000007`: a paper.
pub(super) fn paper(batch: &str, index: u64) -> Vec<u8> {
    format!("{batch}/{index:08}").into_bytes()
}

/// An event's sequence number, big-endian so that key order is log order.
pub(super) fn event(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The sequence number of an event key.
pub(super) fn parse_event(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

pub(super) fn publication(batch: &str) -> Vec<u8> {
    format!("publication/{batch}").into_bytes()
}

pub(super) fn supervision(batch: &str) -> Vec<u8> {
    format!("supervision/{batch}").into_bytes()
}

/// `uploads/batch`: certificates uploaded so far.
pub(super) fn uploads(batch: &str) -> Vec<u8> {
    format!("uploads/{batch}").into_bytes()
}

/// `face/batch/ticket/kind`: a seat's biometric value.
pub(super) fn face(batch: &str, ticket: &str, kind: &str) -> Vec<u8> {
    format!("face/{batch}/{ticket}/{kind}").into_bytes()
}

/// `face/batch/`: every biometric value of a batch.
pub(super) fn face_batch(batch: &str) -> Vec<u8> {
    format!("face/{batch}/").into_bytes()
}

pub(super) fn checkpoint(seq: u64) -> Vec<u8> {
    format!("checkpoint/{seq:020}").into_bytes()
}

pub(super) const CHECKPOINT_PREFIX: &[u8] = b"checkpoint/";
pub(super) const CHECKPOINT_LAST: &[u8] = b"checkpoint/last";
pub(super) const REGISTRATIONS: &[u8] = b"registrations";
pub(super) const LAST_ALIVE: &[u8] = b"last_alive";
pub(super) const PERSONAL_KEY: &[u8] = b"personal_key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_keys_round_trip_and_sort_by_position() {
        assert_eq!(parse_position(&position("b-1", "T7", 42)), Some(("T7".into(), 42)));
        assert!(position("b", "T1", 9) < position("b", "T1", 10));
        assert!(!position("b", "T10", 0).starts_with(&seat_prefix("b", "T1")));
    }
}
