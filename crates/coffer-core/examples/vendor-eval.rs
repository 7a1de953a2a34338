//! `cargo run -p coffer-core --example vendor-eval`: how well the built-in vendor rules name the
//! labelled bank lines in `data/vendor-eval.tsv`, per language and overall, and every miss.

use std::process::ExitCode;

use coffer_core::vendor::{eval, VendorNormaliser};

fn main() -> ExitCode {
    match eval::evaluate(&VendorNormaliser::builtin()) {
        Ok(report) => {
            print!("{}", report.render());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vendor-eval: {e}");
            ExitCode::FAILURE
        }
    }
}
