//! The folders show which way dependencies point (see DESIGN.md): the parts
//! that guard the product never depend on it, leaf modules name no domain,
//! and product code reaches data only through the access context.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The files of a module: `src/<name>/**.rs` and `src/<name>.rs`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = rust_files(&src.join(name));
    let single = src.join(format!("{name}.rs"));
    if single.exists() {
        files.push(single);
    }
    assert!(!files.is_empty(), "module {name} has no files");
    files
}

/// Lines of code (comments dropped) that contain `needle`, as `file:line`.
fn uses(files: &[PathBuf], needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for file in files {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains(needle) {
                hits.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn nothing_below_the_product_names_the_product() {
    for module in [
        "access",
        "audit",
        "masking",
        "customers",
        "staff",
        "auth",
        "accounts",
    ] {
        let hits = uses(&module_files(module), "crate::product");
        assert!(
            hits.is_empty(),
            "{module} depends on the product:\n{}",
            hits.join("\n")
        );
    }
}

/// People and signing in sit below access: they never name it (access
/// builds actors from auth's principal, not the other way round).
#[test]
fn people_and_sign_in_sit_below_access() {
    for module in ["auth", "staff", "customers"] {
        let hits = uses(&module_files(module), "crate::access");
        assert!(
            hits.is_empty(),
            "{module} depends on access:\n{}",
            hits.join("\n")
        );
    }
}

#[test]
fn nothing_imports_from_startup() {
    for module in [
        "access",
        "audit",
        "masking",
        "customers",
        "staff",
        "auth",
        "accounts",
        "product",
        "ui",
        "state",
        "error",
        "security",
        "config",
        "db",
        "layout",
        "app",
    ] {
        let hits = uses(&module_files(module), "crate::startup");
        assert!(
            hits.is_empty(),
            "{module} imports from startup:\n{}",
            hits.join("\n")
        );
    }
}

#[test]
fn leaf_modules_name_no_domain() {
    let domains = [
        "crate::access",
        "crate::audit",
        "crate::auth",
        "crate::accounts",
        "crate::customers",
        "crate::staff",
        "crate::product",
        "crate::layout",
        "crate::app",
    ];
    for module in ["ui", "state", "error", "clock", "db"] {
        for domain in domains {
            let hits = uses(&module_files(module), domain);
            assert!(
                hits.is_empty(),
                "leaf {module} names {domain}:\n{}",
                hits.join("\n")
            );
        }
    }
}

/// Product code reads and changes data only through the access context: it
/// never holds the pool or the app state, so it cannot skip the view record,
/// the read-only rule or the liveness check by forgetting a call.
#[test]
fn product_code_reaches_data_only_through_the_access_context() {
    let files = module_files("product");
    for needle in [
        "app_state",
        "AppState",
        "PgPool",
        ".pool",
        "pool.begin",
        "audit::append",
    ] {
        let hits = uses(&files, needle);
        let hits: Vec<_> = hits
            .into_iter()
            // The export handler receives the state from axum and hands it
            // straight to the context.
            .filter(|h| !(h.contains("export.rs") && needle == "AppState"))
            .collect();
        assert!(
            hits.is_empty(),
            "product code uses {needle}:\n{}",
            hits.join("\n")
        );
    }
}

/// Access reads customer accounts and users only through the directory.
/// One exception, for speed: the session loader joins the viewed user's
/// row for their role alone, so each request in a session is one round trip.
#[test]
fn access_reads_customers_only_through_the_directory() {
    for module in ["access", "accounts"] {
        for table in ["product.accounts", "product.users"] {
            let hits: Vec<_> = uses(&module_files(module), table)
                .into_iter()
                .filter(|h| {
                    !(h.contains("sessions/store.rs")
                        && h.contains("left join product.users u on u.id = ss.target_user_id"))
                })
                .collect();
            assert!(
                hits.is_empty(),
                "{module} queries {table} directly:\n{}",
                hits.join("\n")
            );
        }
    }
}

/// Query strings are read through `ui::use_query_map`, which decodes each
/// value once: leptos_router's own decodes twice.
#[test]
fn queries_are_read_through_ui() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let hits: Vec<_> = uses(&rust_files(&src), "hooks::use_query_map")
        .into_iter()
        .filter(|h| !h.contains("src/ui/mod.rs"))
        .collect();
    assert!(
        hits.is_empty(),
        "read the query through crate::ui::use_query_map:\n{}",
        hits.join("\n")
    );
}

/// No source file over about 500 lines without a reason written at its top.
#[test]
fn no_god_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut too_long = Vec::new();
    for file in rust_files(&src) {
        let text = fs::read_to_string(&file).unwrap();
        let lines = text.lines().count();
        let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
        if lines > 550 && !head.contains("Why this file is long:") {
            too_long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(
        too_long.is_empty(),
        "files over 550 lines without a reason at the top: {too_long:?}"
    );
}

/// Every browser test checks accessibility on each page it opens: a spec
/// that took `test` straight from Playwright would skip the check.
#[test]
fn every_browser_test_runs_the_accessibility_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end/tests");
    let mut specs = 0;
    for entry in fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".spec.ts") {
            continue;
        }
        specs += 1;
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("from \"./fixtures\""),
            "{name} must import `test` from ./fixtures"
        );
        assert!(
            !text.contains("from \"@playwright/test\""),
            "{name} imports from @playwright/test directly; use ./fixtures"
        );
    }
    assert!(specs > 0, "no browser tests found in {}", dir.display());
}

/// The body of each `#[component]` and `#[island]` function in `src`, by
/// name (from its attribute to the first line that closes it at column 0).
fn components() -> (
    Vec<(String, String)>,
    std::collections::HashMap<String, String>,
) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut islands = Vec::new();
    let mut bodies = std::collections::HashMap::new();
    for file in rust_files(&src) {
        let text = fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let attr = line.trim();
            if attr != "#[component]" && attr != "#[island]" {
                continue;
            }
            let Some(sig) = lines[i + 1..].iter().find(|l| l.contains("fn ")) else {
                continue;
            };
            let name: String = sig
                .split("fn ")
                .nth(1)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let end = lines[i..]
                .iter()
                .position(|l| *l == "}")
                .map_or(lines.len(), |p| i + p);
            let body: String = lines[i..end]
                .iter()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            if attr == "#[island]" {
                islands.push((format!("{}: {name}", file.display()), body.clone()));
            }
            bodies.insert(name, body);
        }
    }
    (islands, bodies)
}

/// The components a view names (`<Outcome …`, `<crate::ui::Shown …`).
fn components_named(body: &str) -> Vec<String> {
    body.split('<')
        .skip(1)
        .map(|rest| {
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            path.rsplit("::").next().unwrap_or("").to_string()
        })
        .filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect()
}

/// An island gets its data as props and fetches afresh itself: no island,
/// and no component inside one, holds a resource or a suspense boundary.
/// In islands mode a resource's serialised value is matched to it by a
/// counter the server advances for any resource created while an island
/// renders, so a resource in an island can hydrate with another's data (the
/// page panics, intermittently, and its islands stay dead).
#[test]
fn islands_hold_no_resources() {
    const REFUSED: [&str; 8] = [
        "Resource::",
        "OnceResource",
        "<Transition",
        "<Suspense",
        "<ErrorBoundary",
        "<Await",
        "<Loaded",
        "<Preload",
    ];
    let (islands, bodies) = components();
    assert!(!islands.is_empty(), "no islands found");
    let mut wrong = Vec::new();
    for (island, body) in &islands {
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![("the island".to_string(), body.clone())];
        while let Some((name, body)) = todo.pop() {
            for refused in REFUSED {
                if body.contains(refused) {
                    wrong.push(format!("{island}: {refused} in {name}"));
                }
            }
            for inner in components_named(&body) {
                if let Some(b) = bodies.get(&inner) {
                    if seen.insert(inner.clone()) {
                        todo.push((inner, b.clone()));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "islands must take their data as props: {wrong:#?}"
    );
}
