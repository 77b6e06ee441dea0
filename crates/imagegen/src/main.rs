//! `imagegen` CLI: writes the README example, the scenario catalogue or the bench images.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use imagegen::archive::write_tar_file;
use imagegen::sink::TarSink;
use imagegen::{
    Breakage, Compression, Form, ImageSpec, bench, broken_oci, example, expected, oci, scenarios,
};

const USAGE: &str = "usage: imagegen (example | scenarios | bench | bench-large-oci) OUT_DIR";

fn write_expected(spec: &ImageSpec, path: &Path) -> io::Result<()> {
    let json = serde_json::to_string_pretty(&expected(spec))?;
    fs::write(path, json + "\n")
}

fn write_example(out: &Path) -> io::Result<()> {
    let spec = example::example();
    write_tar_file(&spec, Form::DockerLegacy, &out.join("example.tar"))?;
    write_tar_file(
        &spec.clone().compressed(Compression::Gzip),
        Form::Oci,
        &out.join("example-oci.tar"),
    )?;
    write_expected(&spec, &out.join("example.expected.json"))
}

fn write_scenarios(out: &Path) -> io::Result<()> {
    for (name, spec) in scenarios::scenarios() {
        for form in Form::ALL {
            write_tar_file(
                &spec,
                form,
                &out.join(format!("{name}.{}.tar", form.suffix())),
            )?;
        }
        imagegen::write_dir(&spec, Form::Oci, &out.join(format!("{name}.oci")))?;
        write_expected(&spec, &out.join(format!("{name}.expected.json")))?;
    }
    let platforms = scenarios::multi_platform();
    for (nested, file) in [
        (true, "multi_platform.oci.tar"),
        (false, "multi_platform_flat.oci.tar"),
    ] {
        let mut tar = TarSink::new(io::BufWriter::new(fs::File::create(out.join(file))?));
        oci::write_oci_multi(&platforms, "latest", nested, &mut tar)?;
        tar.finish()?;
    }
    for (spec, arch) in platforms.iter().zip(["amd64", "arm64"]) {
        write_expected(
            spec,
            &out.join(format!("multi_platform.{arch}.expected.json")),
        )?;
    }
    let basic = scenarios::scenarios()
        .into_iter()
        .find(|(n, _)| *n == "basic")
        .map(|(_, s)| s);
    if let Some(basic) = basic {
        for breakage in Breakage::ALL {
            fs::write(
                out.join(format!("broken-{}.oci.tar", breakage.name())),
                broken_oci(&basic, breakage)?,
            )?;
        }
    }
    Ok(())
}

fn write_bench(out: &Path) -> io::Result<()> {
    for (name, spec) in [
        ("bench-large", bench::bench_large()),
        ("bench-many", bench::bench_many()),
    ] {
        eprintln!("writing {name}");
        write_tar_file(&spec, Form::DockerLegacy, &out.join(format!("{name}.tar")))?;
        write_tar_file(
            &spec.clone().compressed(Compression::Gzip),
            Form::Oci,
            &out.join(format!("{name}-oci.tar")),
        )?;
        write_expected(&spec, &out.join(format!("{name}.expected.json")))?;
    }
    Ok(())
}

/// Only the 1 GB image as an OCI archive with gzip layers (bench/files reads files out of it).
fn write_bench_large_oci(out: &Path) -> io::Result<()> {
    write_tar_file(
        &bench::bench_large().compressed(Compression::Gzip),
        Form::Oci,
        &out.join("bench-large-oci.tar"),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [command, out] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    let result = fs::create_dir_all(&out).and_then(|()| match command.as_str() {
        "example" => write_example(&out),
        "scenarios" => write_scenarios(&out),
        "bench" => write_bench(&out),
        "bench-large-oci" => write_bench_large_oci(&out),
        _ => Err(io::Error::other(USAGE)),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("imagegen: {err}");
            ExitCode::from(2)
        }
    }
}
