//! End-to-end: a deploy token restricted to one image, driven by skopeo against the real
//! docker-registry. It pushes and pulls its image and is denied its project's other images,
//! which an unrestricted token of the same project still reaches. Runs with `REGAUTH_E2E=1`.

mod support;

use support::e2e_enabled;
use support::flows::*;
use support::stack::Stack;

#[test]
fn a_token_restricted_to_one_image_pushes_it_and_is_denied_the_others() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (open, _) = acme_app(&stack);
    let web_only = stack.regauth.token(
        ["--project", "acme/app"],
        READ_WRITE,
        &["--repositories", "acme/app/web"],
    );
    let image = image(&stack, "img");
    // The unrestricted token pushes the other image, so that a pull of it could succeed.
    push_ok(&stack, &open, &image, "acme/app/db:1");

    let pushed = push(&stack, &web_only.creds(), &image, "acme/app/web:1")
        .expect_success("restricted push of its image");
    assert!(
        pushed.text().contains("Writing manifest"),
        "{}",
        pushed.text()
    );
    pull(&stack, Auth::Token(&web_only), "acme/app/web:1", "web")
        .expect_success("restricted pull of its image");

    push(&stack, &web_only.creds(), &image, "acme/app/db:2")
        .expect_failure_containing("restricted push of another image", &[DENIED]);
    pull(&stack, Auth::Token(&web_only), "acme/app/db:1", "db")
        .expect_failure_containing("restricted pull of another image", &[DENIED]);

    // Still reachable by the unrestricted token: the refusal is the restriction's.
    pull(&stack, Auth::Token(&open), "acme/app/db:1", "db-open")
        .expect_success("unrestricted pull");
    stack.assert_logs_clean();
}
