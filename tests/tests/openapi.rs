//! Both services' OpenAPI documents are valid OpenAPI 3.1, checked by a third-party validator
//! (`openapi-spec-validator` from PyPI, pinned in `interop/python/requirements.txt` and
//! installed into `interop/python/.venv` by `scripts/test`). The routers' tests keep each
//! document's paths in step with the routes.

use crate::common;

#[test]
#[ignore = "system test (openapi-spec-validator in interop/python/.venv): ./scripts/test runs it"]
fn both_openapi_documents_validate_as_openapi_3_1() {
    let root = common::repo_root();
    let validator = root.join("interop/python/.venv/bin/openapi-spec-validator");
    assert!(
        validator.exists(),
        "{} is missing: run interop/python/setup.sh (scripts/test does)",
        validator.display()
    );
    for document in ["vc-issuer/openapi.json", "verifier/openapi.json"] {
        let output = std::process::Command::new(&validator)
            .arg(root.join(document))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{document} is not valid OpenAPI:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("OK"), "{document}: {stdout}");
    }
}
