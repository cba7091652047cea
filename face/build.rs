//! Compiles the C++ shim against Debian's libdlib when pkg-config finds it
//! (`apt-get install libdlib-dev libblas-dev liblapack-dev`). Without it the
//! crate still builds and every call reports `FaceError::Unavailable`, so a
//! server without dlib runs as before, comparing photos by eye.
fn main() {
    println!("cargo:rerun-if-changed=cpp/face.cpp");
    println!("cargo:rerun-if-env-changed=KAOSHI_NO_DLIB");
    if std::env::var_os("KAOSHI_NO_DLIB").is_some() {
        return;
    }
    let dlib = match pkg_config::Config::new().atleast_version("19.20").probe("dlib-1") {
        Ok(lib) => lib,
        Err(e) => {
            println!("cargo:warning=dlib not found ({e}); face matching is disabled");
            return;
        }
    };
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++14")
        .file("cpp/face.cpp")
        // dlib's templates are unusably slow unoptimised, even in debug builds.
        .opt_level(3)
        .define("NDEBUG", None)
        .flag_if_supported("-Wno-deprecated-copy")
        .flag_if_supported("-Wno-misleading-indentation");
    for dir in &dlib.include_paths {
        build.include(dir);
    }
    build.compile("kaoshi_face_shim");
    println!("cargo:rustc-cfg=kaoshi_dlib");
}
