//! The README's quick start, run as written: the blocks fenced as ```` ```sh quickstart ````
//! run in order as one `bash -euo pipefail` script in an empty directory, against the regauth
//! cargo built, Debian's docker-registry, skopeo, buildah, curl and the docker CLI, on free
//! ports. The script must succeed, and every `# prints: TEXT` comment of the blocks must appear
//! in what it printed, in order. The README source says the same in a comment above the blocks,
//! so the two cannot drift apart. The run needs `REGAUTH_E2E=1`; reading the blocks does not.

mod support;

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use support::stack::{free_port, path_string};
use support::{e2e_enabled_for, read_text};

/// The README, as compiled into this test (cargo rebuilds the test when it changes).
const README: &str = include_str!("../README.md");
/// The info string that marks a fenced block as part of the quick start.
const QUICKSTART: &str = "sh quickstart";
/// The comment that promises what a block prints.
const PROMISE: &str = "# prints: ";
/// The ports the README uses by default; in promises they stand for the test's ports.
const DEFAULT_REGAUTH: &str = "127.0.0.1:5001";
const DEFAULT_REGISTRY: &str = "127.0.0.1:5000";
/// A generous bound for the whole quick start (it takes seconds); past it the run is killed.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// What every block is marked with in the output, for the failure message.
const MARKER: &str = "::: README.md line ";

const TOOLS: &[(&str, &str)] = &[
    ("bash", "Debian package: bash"),
    ("docker-registry", "Debian package: docker-registry"),
    ("skopeo", "Debian package: skopeo"),
    ("buildah", "Debian package: buildah"),
    ("curl", "Debian package: curl"),
    (
        "docker",
        "a docker CLI >= 27 (the machine image's; Debian's docker.io brings the engine)",
    ),
];
const INSTALL: &str = "scripts/test does: apt-get install -y docker-registry skopeo buildah curl";

/// One quick-start block: where it starts in README.md and its text.
struct Block {
    line: usize,
    code: String,
}

/// The blocks of `markdown` fenced with the info string [`QUICKSTART`], in order.
fn quickstart_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.trim() == QUICKSTART =>
            {
                let line = markdown[..range.start].lines().count() + 1;
                open = Some(Block {
                    line,
                    code: String::new(),
                });
            }
            Event::Text(text) => {
                if let Some(block) = open.as_mut() {
                    block.code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// Every `# prints: TEXT` of the blocks, in order, with the default ports replaced by the
/// ones the script runs on.
fn promises(blocks: &[Block], regauth: &str, registry: &str) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|block| block.code.lines())
        .filter_map(|line| line.split_once(PROMISE).map(|(_, text)| text.trim_end()))
        .map(|text| {
            text.replace(DEFAULT_REGAUTH, regauth)
                .replace(DEFAULT_REGISTRY, registry)
        })
        .collect()
}

/// The first promise that `output` does not keep, looking for each after the previous one.
fn broken_promise<'a>(output: &str, promises: &'a [String]) -> Option<&'a str> {
    let mut rest = output;
    for promise in promises {
        match rest.find(promise.as_str()) {
            Some(at) => rest = &rest[at + promise.len()..],
            None => return Some(promise),
        }
    }
    None
}

/// The blocks as one script: the ports set the way a reader would set them (plain shell
/// variables, not exported), then each block after a marker naming its line.
fn script(blocks: &[Block], regauth_port: u16, registry_port: u16) -> String {
    let mut script =
        format!("set -euo pipefail\nREGAUTH_PORT={regauth_port}\nREGISTRY_PORT={registry_port}\n");
    for block in blocks {
        script.push_str(&format!("echo '{MARKER}{}'\n{}\n", block.line, block.code));
    }
    script
}

/// bash running `script_path` in `dir` with the client programs' state kept in `dir` too,
/// in a process group of its own so that whatever it left running can be ended.
fn start_bash(dir: &Path, script_path: &Path, output: &File) -> Child {
    let regauth = Path::new(env!("CARGO_BIN_EXE_regauth"));
    let path = std::env::join_paths(
        std::iter::once(regauth.parent().expect("binary dir").to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ),
    )
    .expect("PATH");
    let storage_conf = dir.join("storage.conf");
    std::fs::write(
        &storage_conf,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
            path_string(&dir.join("storage")),
            path_string(&dir.join("storage-run")),
        ),
    )
    .expect("write storage.conf");
    let work = dir.join("work");
    for sub in ["work", "home", "tmp", "xdg-runtime", "xdg-config"] {
        std::fs::create_dir_all(dir.join(sub)).expect("create dirs");
    }
    let mut command = Command::new("bash");
    // The machine's settings must not reach the reader's shell: REGAUTH_* would configure
    // regauth, and docker-registry reads every REGISTRY_* variable as a setting.
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("REGAUTH_") || text.starts_with("REGISTRY_") || text == "RUST_LOG" {
            command.env_remove(&name);
        }
    }
    command
        .arg(script_path)
        .current_dir(&work)
        .env("PATH", path)
        .env("HOME", dir.join("home"))
        .env("TMPDIR", dir.join("tmp"))
        .env("XDG_RUNTIME_DIR", dir.join("xdg-runtime"))
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("CONTAINERS_STORAGE_CONF", &storage_conf)
        .env_remove("DOCKER_CONFIG")
        .env_remove("DOCKER_HOST")
        .env_remove("CONTAINERS_CONF")
        .stdin(Stdio::null())
        .stdout(output.try_clone().expect("clone output file"))
        .stderr(output.try_clone().expect("clone output file"))
        .process_group(0)
        .spawn()
        .expect("start bash")
}

/// Waits for bash within [`SCRIPT_TIMEOUT`] (`None` past it), then ends its process group,
/// in which the servers the script started in the background run too.
fn finish(mut bash: Child) -> Option<ExitStatus> {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = bash.try_wait().expect("wait for bash") {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    // The group is ours (process_group(0) made it); after a failure its servers still run.
    let group = format!("-{}", bash.id());
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = bash.wait();
    status
}

/// The last block the output reached, for the failure message.
fn last_block(output: &str) -> &str {
    output
        .rsplit_once(MARKER)
        .and_then(|(_, rest)| rest.lines().next())
        .unwrap_or("(none: the script did not start)")
}

#[test]
fn readme_marks_a_quick_start_that_promises_what_a_reader_checks() {
    let blocks = quickstart_blocks(README);
    assert!(
        blocks.len() >= 5,
        "README.md has {} blocks fenced as ```{QUICKSTART}; the quick start lost its marks",
        blocks.len()
    );
    let all: String = blocks.iter().map(|block| block.code.as_str()).collect();
    for needle in ["regauth serve", "docker-registry serve", "buildah commit"] {
        assert!(
            all.contains(needle),
            "the quick start no longer runs {needle:?}"
        );
    }
    let promised = promises(&blocks, DEFAULT_REGAUTH, DEFAULT_REGISTRY);
    for promise in [
        "Login Succeeded!",
        "Writing manifest to image destination",
        "denied: requested access to the resource is denied",
        "invalid username or token",
    ] {
        assert!(
            promised.iter().any(|p| p == promise),
            "the quick start no longer promises {promise:?}: {promised:?}"
        );
    }
}

#[test]
fn promises_are_kept_only_in_their_order() {
    let promised = vec!["one".to_owned(), "two".to_owned()];
    assert_eq!(broken_promise("one\ntwo\n", &promised), None);
    assert_eq!(broken_promise("two\none\n", &promised), Some("two"));
    assert_eq!(broken_promise("one\n", &promised), Some("two"));
}

#[test]
fn quick_start_runs_as_written() {
    if !e2e_enabled_for("e2e_readme", TOOLS, INSTALL) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (regauth_port, registry_port) = (free_port(), free_port());
    let blocks = quickstart_blocks(README);
    let script_path = dir.path().join("quickstart.sh");
    std::fs::write(&script_path, script(&blocks, regauth_port, registry_port)).expect("script");
    let output_path = dir.path().join("output.log");
    let output = File::create(&output_path).expect("create output file");

    let status = finish(start_bash(dir.path(), &script_path, &output));
    let printed = read_text(&output_path);
    eprintln!("quick start output:\n{printed}");
    let demo = dir.path().join("work/regauth-demo");
    let logs = format!(
        "regauth.log:\n{}\nregistry.log:\n{}",
        read_text(&demo.join("regauth.log")),
        read_text(&demo.join("registry.log"))
    );
    let status = status.unwrap_or_else(|| {
        panic!(
            "the quick start did not finish within {SCRIPT_TIMEOUT:?}, in the block at README.md line {}\n{logs}",
            last_block(&printed)
        )
    });
    assert!(
        status.success(),
        "the quick-start block at README.md line {} failed ({status}); output above\n{logs}",
        last_block(&printed)
    );
    let promised = promises(
        &blocks,
        &format!("127.0.0.1:{regauth_port}"),
        &format!("127.0.0.1:{registry_port}"),
    );
    if let Some(promise) = broken_promise(&printed, &promised) {
        panic!(
            "the quick start promises {promise:?} (in this order: {promised:?}), but did not print it; output above\n{logs}"
        );
    }
}
