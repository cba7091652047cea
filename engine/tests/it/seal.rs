//! Sealed banks: round trips with a key file and a passphrase, rekey, and a
//! distinct error for every kind of damage.

use kaoshi_engine::seal::{self, Argon2Params, Kek, Lock, SealError, Unlock, FORMAT_VERSION, MAGIC};
use kaoshi_engine::BankSource;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Cheap Argon2 costs: the tests exercise the path, not the hardness.
const FAST: Argon2Params = Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1 };

fn bank() -> BankSource {
    super::parse_dir(&super::sample("electrician-4")).expect("sample bank")
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

fn key(byte: u8) -> Kek {
    Kek::from_bytes([byte; 32])
}

fn sealed_with(kek: &Kek) -> Vec<u8> {
    seal::seal(&bank(), &Lock::Key(kek), &mut rng()).expect("seal")
}

/// Byte range of the header JSON (after magic, version and length).
fn header_range(file: &[u8]) -> std::ops::Range<usize> {
    let len = u32::from_le_bytes([file[10], file[11], file[12], file[13]]) as usize;
    14..14 + len
}

#[test]
fn key_file_round_trip() {
    let kek = key(1);
    let file = sealed_with(&kek);
    assert_eq!(&file[..8], MAGIC);
    assert_eq!(seal::open(&file, &Unlock::Key(&kek)).expect("open"), bank());
}

#[test]
fn the_plaintext_never_appears_in_the_file() {
    let file = sealed_with(&key(1));
    let source = bank();
    let stem = source.bank.items[0].stem.as_bytes();
    assert!(!file.windows(stem.len()).any(|w| w == stem), "an item stem is readable in the sealed file");
}

#[test]
fn passphrase_round_trip_and_wrong_passphrase() {
    let lock = Lock::Passphrase { passphrase: b"correct horse battery", params: FAST };
    let file = seal::seal(&bank(), &lock, &mut rng()).expect("seal");
    assert_eq!(seal::open(&file, &Unlock::Passphrase(b"correct horse battery")).expect("open"), bank());
    let err = seal::open(&file, &Unlock::Passphrase(b"wrong horse")).expect_err("wrong passphrase");
    assert!(matches!(err, SealError::WrongKey { .. }), "{err}");
    let err = seal::open(&file, &Unlock::Key(&key(1))).expect_err("key for a passphrase file");
    assert!(matches!(err, SealError::NeedsPassphrase), "{err}");
}

#[test]
fn wrong_key_is_named_as_such() {
    let file = sealed_with(&key(1));
    let err = seal::open(&file, &Unlock::Key(&key(2))).expect_err("wrong key");
    match err {
        SealError::WrongKey { sealed_with, given } => {
            assert_eq!(sealed_with, key(1).id());
            assert_eq!(given, key(2).id());
        }
        other => panic!("expected WrongKey, got {other}"),
    }
    let err = seal::open(&file, &Unlock::Passphrase(b"x")).expect_err("passphrase for a key file");
    assert!(matches!(err, SealError::NeedsKeyFile), "{err}");
}

#[test]
fn tampered_header_is_detected() {
    let kek = key(1);
    let mut file = sealed_with(&kek);
    let range = header_range(&file);
    let header = std::str::from_utf8(&file[range.clone()]).expect("utf8").to_string();
    // Change the item count the header claims; the JSON stays valid.
    let at = header.find("\"item_count\":322").expect("item_count") + "\"item_count\":".len();
    file[range.start + at] = b'9';
    let err = seal::open(&file, &Unlock::Key(&kek)).expect_err("tampered header");
    assert!(matches!(err, SealError::HeaderTampered), "{err}");
}

#[test]
fn tampered_body_is_detected() {
    let kek = key(1);
    let mut file = sealed_with(&kek);
    let n = file.len();
    file[n - 100] ^= 0x01;
    let err = seal::open(&file, &Unlock::Key(&kek)).expect_err("tampered body");
    assert!(matches!(err, SealError::BodyTampered), "{err}");
}

#[test]
fn truncated_file_is_detected_at_any_length() {
    let kek = key(1);
    let file = sealed_with(&kek);
    for cut in [9, 12, 20, header_range(&file).end + 2, file.len() / 2, file.len() - 1] {
        let err = seal::open(&file[..cut], &Unlock::Key(&kek)).expect_err("truncated");
        assert!(matches!(err, SealError::Truncated { .. }), "cut at {cut}: {err}");
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let kek = key(1);
    let mut file = sealed_with(&kek);
    file.extend_from_slice(b"junk");
    let err = seal::open(&file, &Unlock::Key(&kek)).expect_err("trailing");
    assert!(matches!(err, SealError::TrailingBytes { extra: 4 }), "{err}");
}

#[test]
fn unknown_format_version_is_refused() {
    let kek = key(1);
    let mut file = sealed_with(&kek);
    file[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = seal::open(&file, &Unlock::Key(&kek)).expect_err("version");
    assert!(matches!(err, SealError::UnsupportedVersion { found: 2, supported: 1 }), "{err}");
}

#[test]
fn not_a_sealed_bank() {
    let err = seal::open(b"id = \"electrician-4\"\n", &Unlock::Key(&key(1))).expect_err("plain text");
    assert!(matches!(err, SealError::NotSealedBank), "{err}");
}

#[test]
fn every_single_bit_flip_is_refused() {
    let kek = key(3);
    let small = super::parse_dir(&super::sample("chinese-cook-5")).expect("sample");
    let mut tiny = small.clone();
    tiny.bank.items.truncate(3);
    let file = seal::seal(&tiny, &Lock::Key(&kek), &mut rng()).expect("seal");
    for pos in 0..file.len() {
        let mut damaged = file.clone();
        damaged[pos] ^= 1 << (pos % 8);
        assert!(seal::open(&damaged, &Unlock::Key(&kek)).is_err(), "flip at byte {pos} went unnoticed");
    }
}

#[test]
fn rekey_rewraps_without_touching_the_body() {
    let (old, new) = (key(1), key(2));
    let file = sealed_with(&old);
    let rekeyed = seal::rekey(&file, &Unlock::Key(&old), &Lock::Key(&new), &mut rng()).expect("rekey");
    assert_eq!(seal::open(&rekeyed, &Unlock::Key(&new)).expect("open with new key"), bank());
    let err = seal::open(&rekeyed, &Unlock::Key(&old)).expect_err("old key retired");
    assert!(matches!(err, SealError::WrongKey { .. }), "{err}");
    // Header and encrypted body are kept byte for byte; only the key slot changed.
    let h = header_range(&file);
    assert_eq!(&file[..h.end], &rekeyed[..h.end]);
    let body_len = bank_body_len(&file);
    assert_eq!(&file[file.len() - body_len..], &rekeyed[rekeyed.len() - body_len..]);
    // Key file → passphrase works too.
    let pass = Lock::Passphrase { passphrase: b"s3cret", params: FAST };
    let to_pass = seal::rekey(&rekeyed, &Unlock::Key(&new), &pass, &mut rng()).expect("rekey");
    assert_eq!(seal::open(&to_pass, &Unlock::Passphrase(b"s3cret")).expect("open"), bank());
}

#[test]
fn rekey_refuses_a_damaged_body() {
    let (old, new) = (key(1), key(2));
    let mut file = sealed_with(&old);
    let n = file.len();
    file[n - 1] ^= 0x80;
    let err = seal::rekey(&file, &Unlock::Key(&old), &Lock::Key(&new), &mut rng()).expect_err("damaged");
    assert!(matches!(err, SealError::BodyTampered), "{err}");
}

fn bank_body_len(file: &[u8]) -> usize {
    let h = header_range(file);
    let slot_len = u32::from_le_bytes([file[h.end], file[h.end + 1], file[h.end + 2], file[h.end + 3]]) as usize;
    let at = h.end + 4 + slot_len;
    let mut len = [0u8; 8];
    len.copy_from_slice(&file[at..at + 8]);
    u64::from_le_bytes(len) as usize
}

#[test]
fn errors_read_plainly() {
    let kek = key(1);
    let file = sealed_with(&kek);
    let msgs = [
        seal::open(&file[..20], &Unlock::Key(&kek)).expect_err("t").to_string(),
        seal::open(&file, &Unlock::Key(&key(9))).expect_err("k").to_string(),
    ];
    assert!(msgs[0].starts_with("file is truncated"), "{}", msgs[0]);
    assert!(msgs[1].starts_with("wrong key: the bank was sealed with key"), "{}", msgs[1]);
}
