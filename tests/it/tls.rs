//! HTTPS on the exam LAN: `kaoshi tls init` makes a local authority and a
//! server certificate; `serve --tls-cert/--tls-key` serves with them; a seat
//! machine that trusts the authority connects, one that does not is refused.

use super::serve::Server;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

fn kaoshi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).output().expect("run kaoshi")
}

fn agent_trusting(ca: &Path) -> ureq::Agent {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("ca.crt") {
        roots.add(cert.expect("certificate")).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    ureq::AgentBuilder::new().tls_config(Arc::new(config)).build()
}

#[test]
fn a_seat_that_trusts_the_local_authority_reaches_the_server_over_https() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tls = tmp.path().join("tls");
    let out = kaoshi(&["tls", "init", "--out", tls.to_str().expect("p"), "--ip", "127.0.0.1", "--name", "kaoshi.lan"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("new certificate authority"));
    let ca_before = std::fs::read(tls.join("ca.crt")).expect("ca.crt");
    // A second run (say, a new server address) keeps the authority the seats already trust.
    let out = kaoshi(&["tls", "init", "--out", tls.to_str().expect("p"), "--ip", "127.0.0.1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("reused"));
    assert_eq!(std::fs::read(tls.join("ca.crt")).expect("ca.crt"), ca_before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["ca.key", "server.key"] {
            let mode = std::fs::metadata(tls.join(f)).expect("key").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f} is readable by others: {mode:o}");
        }
    }

    let data = tmp.path().join("data");
    let (cert, key) = (tls.join("server.crt"), tls.join("server.key"));
    let server = Server::start(
        &data,
        &["--demo", "--tls-cert", cert.to_str().expect("p"), "--tls-key", key.to_str().expect("p")],
    );
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    let page =
        agent_trusting(&tls.join("ca.crt")).get(&format!("{}/seat", server.base)).call().expect("https GET /seat");
    assert_eq!(page.status(), 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.into_string().expect("body").contains("考生"));

    // A machine that does not trust the authority is refused by its own TLS check.
    let stranger = ureq::get(&format!("{}/seat", server.base)).call();
    assert!(matches!(stranger, Err(ureq::Error::Transport(_))), "an untrusted certificate was accepted");
    // Plain HTTP to the HTTPS port gets no page.
    let plain = ureq::get(&server.base.replace("https://", "http://")).call();
    assert!(plain.is_err(), "plain HTTP answered on the TLS port");
}

#[test]
fn bad_certificate_files_are_named_in_the_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let junk = tmp.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").expect("write");
    let missing = tmp.path().join("missing.pem");
    let run = |cert: &Path, key: &Path| {
        let out = kaoshi(&[
            "serve",
            "--data",
            data.to_str().expect("p"),
            "--addr",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().expect("p"),
            "--tls-key",
            key.to_str().expect("p"),
        ]);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = run(&missing, &junk);
    assert!(err.contains("missing.pem"), "{err}");
    let err = run(&junk, &junk);
    assert!(err.contains("junk.pem") && err.contains("no PEM certificate"), "{err}");
    let out = kaoshi(&["tls", "init", "--out", tmp.path().join("t").to_str().expect("p")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ip"));
}
