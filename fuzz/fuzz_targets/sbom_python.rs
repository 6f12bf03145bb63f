#![no_main]
//! Python metadata, requirements, poetry.lock, Pipfile.lock, uv.lock: the first byte picks one.
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    match k % 5 {
        0 => run(&catalog::python::INSTALLED, "x.dist-info/METADATA", rest),
        1 => run(&catalog::python::REQUIREMENTS, "requirements.txt", rest),
        2 => run(&catalog::python::POETRY, "poetry.lock", rest),
        3 => run(&catalog::python::PIPFILE, "Pipfile.lock", rest),
        _ => run(&catalog::python::UV, "uv.lock", rest),
    }
});
