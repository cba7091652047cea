//! `kaoshi tls init`: certificates for an exam LAN. A local certificate
//! authority (kept by the organisation, installed as trusted on every seat
//! machine once) signs the server's certificate for its names and addresses.
//! Run again with a new address: the authority in the folder is reused, so
//! seat machines need not be touched again.

use anyhow::{bail, Context, Result};
use kaoshi_exam::durable_file::write_atomic;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::net::IpAddr;
use std::path::PathBuf;
use time::{Duration, OffsetDateTime};

/// `kaoshi tls …`.
#[derive(Debug, clap::Subcommand)]
pub enum TlsCommand {
    /// Write a local CA (once) and a server certificate signed by it.
    Init(InitArgs),
}

/// `kaoshi tls init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Folder for ca.crt, ca.key, server.crt and server.key.
    #[arg(long, default_value = "./tls")]
    out: PathBuf,
    /// A host name seats use to reach the server (repeatable).
    #[arg(long = "name", value_name = "HOST")]
    names: Vec<String>,
    /// An IP address seats use to reach the server (repeatable).
    #[arg(long = "ip", value_name = "ADDR")]
    ips: Vec<IpAddr>,
    /// Days the server certificate is valid.
    #[arg(long, default_value_t = 825)]
    days: i64,
}

/// Runs `kaoshi tls`.
pub fn run(command: TlsCommand) -> Result<()> {
    match command {
        TlsCommand::Init(args) => init(args),
    }
}

/// The authority's name: derived from its key, so that it can sign again
/// from `ca.key` alone.
fn ca_name(key: &KeyPair) -> DistinguishedName {
    let tag = key_tag(key.public_key_raw());
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "kaoshi");
    dn.push(DnType::CommonName, format!("kaoshi 考场网络 CA {tag}"));
    dn
}

/// A short stable tag of the authority's public key (FNV-1a, 32 bits shown):
/// it tells authorities apart in a certificate store, it protects nothing.
fn key_tag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h >> 32)
}

fn ca_params(key: &KeyPair, now: OffsetDateTime) -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = ca_name(key);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    Ok(params)
}

fn init(args: InitArgs) -> Result<()> {
    let InitArgs { out, names, ips, days } = args;
    if names.is_empty() && ips.is_empty() {
        bail!("give the server's address as seats reach it: --ip ADDR and/or --name HOST (repeatable)");
    }
    if !(1..=3650).contains(&days) {
        bail!("--days {days}: give 1 to 3650");
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let now = OffsetDateTime::now_utc();
    let ca_key_path = out.join("ca.key");
    let ca_cert_path = out.join("ca.crt");
    let (ca_key, created) = if ca_key_path.exists() {
        let pem =
            std::fs::read_to_string(&ca_key_path).with_context(|| format!("cannot read {}", ca_key_path.display()))?;
        let key = KeyPair::from_pem(&pem)
            .map_err(|e| anyhow::anyhow!("{}: not a PEM private key: {e}", ca_key_path.display()))?;
        if !ca_cert_path.exists() {
            bail!(
                "{} is there but {} is not: restore it or move ca.key away to start a new authority",
                ca_key_path.display(),
                ca_cert_path.display()
            );
        }
        (key, false)
    } else {
        let key = KeyPair::generate()?;
        let cert = ca_params(&key, now)?.self_signed(&key)?;
        write_atomic(&ca_key_path, key.serialize_pem().as_bytes())?;
        write_atomic(&ca_cert_path, cert.pem().as_bytes())?;
        (key, true)
    };
    let ca_cert_pem =
        std::fs::read_to_string(&ca_cert_path).with_context(|| format!("cannot read {}", ca_cert_path.display()))?;
    let issuer = Issuer::new(ca_params(&ca_key, now)?, ca_key);

    let mut params = CertificateParams::new(names.clone()).context("a --name is not a valid host name")?;
    params.subject_alt_names.extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
    let shown = names.first().cloned().or_else(|| ips.first().map(IpAddr::to_string)).unwrap_or_default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::OrganizationName, "kaoshi");
    params.distinguished_name.push(DnType::CommonName, format!("kaoshi 考试服务器 {shown}"));
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(days);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    // The chain a seat receives: the server's certificate, then the authority's.
    let chain = format!("{}{}", cert.pem(), ca_cert_pem);
    write_atomic(&out.join("server.key"), key.serialize_pem().as_bytes())?;
    write_atomic(&out.join("server.crt"), chain.as_bytes())?;

    let dir = out.display();
    if created {
        println!(
            "new certificate authority: {dir}/ca.crt (install it as a trusted root on every seat and staff machine)"
        );
        println!("                           {dir}/ca.key (keep it off the exam server, with the organisation's keys)");
    } else {
        println!("certificate authority {dir}/ca.crt reused: seat machines that trust it need nothing new");
    }
    let sans: Vec<String> = names.iter().cloned().chain(ips.iter().map(IpAddr::to_string)).collect();
    println!("server certificate for {}: {dir}/server.crt, key {dir}/server.key (valid {days} days)", sans.join(", "));
    println!("serve with: kaoshi serve --tls-cert {dir}/server.crt --tls-key {dir}/server.key --addr 0.0.0.0:443");
    Ok(())
}
