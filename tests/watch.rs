//! Watch mode: a session re-checks what a change touches and what depends on
//! it; with the real file watcher, a burst of saves loses nothing and
//! deleted or broken files never stop it.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kqlab::analysis::Globals;
use kqlab::diagnostics::Code;
use kqlab::ruleset::runner::Limits;
use kqlab::ruleset::watch::Session;
use notify::{RecursiveMode, Watcher};

fn rule(name: &str, query: &str) -> String {
    format!(
        "id: {}\nname: {name}\ndescription: d\nseverity: Low\nqueryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\ntactics: [CredentialAccess]\nrelevantTechniques: [T1110]\nquery: |\n  {query}\nversion: 1.0.0\nkind: Scheduled\n",
        guid(name)
    )
}

/// A GUID derived from a name, so every rule has its own id.
fn guid(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
    format!("{:08x}-0000-4000-8000-{:012x}", hash >> 32, hash & 0xffff_ffff_ffff)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
    std::fs::write(path, text).expect("write");
}

fn session(root: &Path) -> Session {
    Session::start(root, Globals::builtin(), Limits::default(), true).expect("loads").0
}

fn codes(session: &Session, path: &Path) -> Vec<Code> {
    session.diagnostics(path).iter().map(|d| d.code).collect()
}

#[test]
fn a_changed_function_rechecks_the_rules_that_call_it() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("rules");
    let function = root.join("functions/FailedSignins.kql");
    let caller = root.join("caller.yaml");
    let other = root.join("other.yaml");
    write(&function, "SigninLogs | where ResultType != \"0\"\n");
    write(&caller, &rule("caller", "FailedSignins | summarize n = count() by UserPrincipalName"));
    write(&other, &rule("other", "SigninLogs | summarize n = count() by IPAddress"));
    let mut session = session(&root);
    assert!(codes(&session, &caller).is_empty(), "{:?}", session.diagnostics(&caller));
    // The function loses the column the caller groups by.
    write(&function, "SigninLogs | where ResultType != \"0\" | project IPAddress\n");
    let update = session.apply(std::slice::from_ref(&function));
    assert!(update.checked.contains(&caller), "{:?}", update.checked);
    assert!(!update.checked.contains(&other), "{:?}", update.checked);
    assert_eq!(codes(&session, &caller), vec![Code::UnknownColumn]);
    // Deleting the function makes the call unknown.
    std::fs::remove_file(&function).expect("delete");
    let update = session.apply(std::slice::from_ref(&function));
    assert!(update.checked.contains(&caller));
    assert_eq!(codes(&session, &caller), vec![Code::UnknownTable]);
}

#[test]
fn broken_deleted_and_renamed_files_keep_the_session_going() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("rules");
    let first = root.join("first.yaml");
    write(&first, &rule("first", "SigninLogs | take 1"));
    let mut session = session(&root);
    write(&first, "name: [broken\n");
    session.apply(std::slice::from_ref(&first));
    assert_eq!(codes(&session, &first), vec![Code::InvalidRuleFile]);
    // An editor's atomic save: write a temporary file, rename it over the rule.
    let temporary = root.join(".first.yaml.swp");
    write(&temporary, &rule("first", "SigninLogs | take 2"));
    std::fs::rename(&temporary, &first).expect("rename");
    session.apply(&[temporary.clone(), first.clone()]);
    assert!(codes(&session, &first).is_empty());
    // A rename: the old path is gone, the new one appears.
    let second = root.join("second.yaml");
    std::fs::rename(&first, &second).expect("rename");
    let update = session.apply(&[first.clone(), second.clone()]);
    assert_eq!(update.removed, vec![first.clone()]);
    assert_eq!(session.folder.documents.len(), 1);
    assert_eq!(session.folder.documents[0].path, second);
    // A deleted folder.
    std::fs::remove_dir_all(&root).expect("delete");
    let update = session.apply(std::slice::from_ref(&root));
    assert!(session.folder.documents.is_empty(), "{:?}", update);
}

#[test]
fn a_changed_test_or_sample_reruns_only_its_rule() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("rules");
    let tested = root.join("tested.yaml");
    let untouched = root.join("untouched.yaml");
    write(&tested, &rule("tested", "SigninLogs | where ResultType == \"50126\""));
    write(&untouched, &rule("untouched", "SigninLogs | take 1"));
    write(&root.join("signins.json"), r#"[{"TimeGenerated": "2024-03-01T10:00:00Z", "ResultType": "50126"}]"#);
    write(
        &root.join("tested.test.yaml"),
        "cases:\n  - name: fires\n    tables: {SigninLogs: signins.json}\n    expect: {fires: true}\n",
    );
    let mut session = session(&root);
    assert_eq!(session.summary().passed, 1);
    write(&root.join("signins.json"), r#"[{"TimeGenerated": "2024-03-01T10:00:00Z", "ResultType": "0"}]"#);
    let update = session.apply(&[root.join("signins.json")]);
    assert_eq!(update.tested, vec![tested.clone()]);
    assert!(update.checked.is_empty());
    assert_eq!((session.summary().passed, session.summary().failed), (0, 1));
}

/// 200 saves in 2 s across 20 rules, through the real file watcher: the
/// session ends up with the last saved text of every rule.
#[test]
fn no_save_is_lost_in_a_burst() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("rules");
    let paths: Vec<PathBuf> = (0..20).map(|i| root.join(format!("rule{i:02}.yaml"))).collect();
    for (i, path) in paths.iter().enumerate() {
        write(path, &rule(&format!("rule{i}-v0"), "SigninLogs | take 1"));
    }
    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    })
    .expect("watcher");
    watcher.watch(&root, RecursiveMode::Recursive).expect("watch");
    let (names_sender, names) = mpsc::channel::<Vec<String>>();
    let loop_root = root.clone();
    let worker = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            kqlab::cli::commands::watch::watch_loop(
                &loop_root,
                Globals::builtin(),
                false,
                Duration::from_millis(50),
                &events,
                &mut |session, _| {
                    let mut names: Vec<String> = session.folder.documents.iter().map(|d| d.display_name()).collect();
                    names.sort();
                    let _ = names_sender.send(names);
                },
            )
        })
        .expect("thread");
    names.recv_timeout(Duration::from_secs(30)).expect("the first report");
    let started = Instant::now();
    for save in 1..=10 {
        for (i, path) in paths.iter().enumerate() {
            write(path, &rule(&format!("rule{i}-v{save}"), "SigninLogs | take 1"));
            std::thread::sleep(Duration::from_millis(9));
        }
    }
    let saving = started.elapsed();
    let mut expected: Vec<String> = (0..20).map(|i| format!("rule{i}-v10")).collect();
    expected.sort();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = Vec::new();
    while last != expected && Instant::now() < deadline {
        if let Ok(names) = names.recv_timeout(Duration::from_secs(1)) {
            last = names;
        }
    }
    drop(watcher);
    worker.join().expect("no panic").expect("the loop ends when the watcher stops");
    assert_eq!(last, expected, "200 saves in {saving:?}: the session missed some");
}
