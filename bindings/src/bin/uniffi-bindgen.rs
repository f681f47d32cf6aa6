//! `uniffi-bindgen`: generates the Kotlin, Swift and Python sources for the `dojang` library
//! (see `scripts/bindings`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
