//! Round trips: export → parse and seal → open give back the same bank.

use kaoshi_engine::bank::{export, parse_source, SourceFiles};
use kaoshi_engine::seal::{self, Kek, Lock, Unlock};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn export_then_parse_gives_the_same_bank(source in super::arb::source(12)) {
        let text = export(&source);
        let parsed = parse_source(SourceFiles {
            bank_toml: &text.bank_toml,
            paper_toml: text.paper_toml.as_deref(),
            items_jsonl: &text.items_jsonl,
        });
        prop_assert_eq!(parsed.map_err(|e| e.to_string()), Ok(source));
    }

    #[test]
    fn open_of_seal_is_the_bank(source in super::arb::source(12), key in any::<[u8; 32]>(), seed in any::<u64>()) {
        let kek = Kek::from_bytes(key);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let sealed = seal::seal(&source, &Lock::Key(&kek), &mut rng).expect("seal");
        let opened = seal::open(&sealed, &Unlock::Key(&kek)).expect("open");
        prop_assert_eq!(opened, source);
    }
}
