//! Package-wide concurrency facts derived from every file's facts: which
//! map fields a struct's mutex guards, which types lock their mutex at all,
//! and which methods are entered with the lock held.

use super::Package;
use super::facts::{CtxKind, FileFacts, Target};
use super::locks::Mode;
use crate::diagnostic::Span;
use std::collections::{HashMap, HashSet};

pub struct Concurrency {
    /// (type, field) -> an access to the field's contents with the struct's
    /// mutex held on some path: (file, span, lock text).
    pub guard_evidence: HashMap<(String, String), (usize, Span, String)>,
    /// Types whose mutex is locked somewhere in the package.
    pub locked_types: HashSet<String>,
    /// Methods entered with the receiver's lock held: (type, method).
    pub entered_locked: HashSet<(String, String)>,
}

impl Concurrency {
    pub fn build(pkg: &Package, files: &[FileFacts]) -> Concurrency {
        let mut guard_evidence = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            for a in &f.accesses {
                let Target::Field {
                    base,
                    type_name,
                    field,
                    ..
                } = &a.target
                else {
                    continue;
                };
                // Held on some path around the access shows intent too.
                if let Some(mu) = pkg
                    .mutex_fields(type_name)
                    .iter()
                    .find(|mu| a.locks.may.contains_key(&format!("{base}.{mu}")))
                {
                    guard_evidence
                        .entry((type_name.clone(), field.clone()))
                        .or_insert((fi, a.span, format!("{base}.{mu}")));
                }
            }
        }
        let locked_types = files
            .iter()
            .flat_map(|f| f.locked_fields.iter().map(|(t, _)| t.clone()))
            .collect();
        Concurrency {
            guard_evidence,
            locked_types,
            entered_locked: entered_locked(pkg, files),
        }
    }

    /// The mutexes of `type_name` that guard its map field `field`: those
    /// the type declares, less those whose comment names other fields only.
    /// Empty when the mutex is used, but never around this field (it guards
    /// something else).
    pub fn guards(&self, pkg: &Package, type_name: &str, field: &str) -> Vec<String> {
        let key = (type_name.to_string(), field.to_string());
        if !self.guard_evidence.contains_key(&key) && self.locked_types.contains(type_name) {
            return Vec::new();
        }
        pkg.mutex_fields(type_name)
            .into_iter()
            .filter(|mu| !pkg.mutex_doc_excludes(type_name, mu, field))
            .collect()
    }
}

/// Unexported methods every call site of which holds the receiver's lock
/// (or calls on a value the caller just created), and methods whose name or
/// doc says the caller holds it. A greatest fixpoint: a call from a method
/// that is itself entered with the lock held counts as held.
fn entered_locked(pkg: &Package, files: &[FileFacts]) -> HashSet<(String, String)> {
    // Methods by (type, name), and which types declare each method name.
    let mut owners: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in &pkg.funcs {
        if let Some(r) = &m.receiver {
            owners
                .entry(m.name.as_str())
                .or_default()
                .push(r.type_name.as_str());
        }
    }
    struct Site {
        held: bool,
        caller: Option<(String, String)>,
        in_test: bool,
    }
    let mut sites: HashMap<(String, String), Vec<Site>> = HashMap::new();
    for (fi, f) in files.iter().enumerate() {
        let in_test = pkg.files[fi].source.display.ends_with("_test.go");
        for c in &f.calls {
            let ty = match &c.type_name {
                Some(t) => t.clone(),
                None => match owners.get(c.name.as_str()) {
                    Some(ts) if ts.len() == 1 => ts[0].to_string(),
                    _ => continue,
                },
            };
            let mus = pkg.mutex_fields(&ty);
            if mus.is_empty() {
                continue;
            }
            // `go x.m()`: the method runs on its own goroutine, without the
            // starter's lock, and the value it was given is shared from now on.
            let started = f
                .go_calls
                .iter()
                .any(|(_, g, _)| g.start < c.span.start && g.end == c.span.end);
            // Inside a goroutine literal a value made by the enclosing
            // function is shared with it, so not owned.
            let in_goroutine = f.concurrent_within(c.ctx, usize::MAX).is_some();
            let held = !started
                && ((c.owned && !in_goroutine)
                    || c.event_loop
                    || mus.iter().any(|mu| {
                        c.locks.must.get(&format!("{}.{mu}", c.base)) == Some(&Mode::Write)
                    }));
            let func = f.func_of(c.ctx);
            let caller = if !started && !in_goroutine {
                func.type_name.clone().zip(func.name.clone())
            } else {
                None
            };
            sites.entry((ty, c.name.clone())).or_default().push(Site {
                held,
                caller,
                in_test,
            });
        }
    }
    // Tests call internals directly, single-threaded: their call sites do not
    // count against a lock discipline the package itself keeps.
    for s in sites.values_mut() {
        if s.iter().any(|s| !s.in_test) {
            s.retain(|s| !s.in_test);
        }
    }
    let mut held: HashSet<(String, String)> = HashSet::new();
    for m in &pkg.funcs {
        let Some(r) = &m.receiver else { continue };
        let key = (r.type_name.clone(), m.name.clone());
        // Methods of an unexported type are out of other packages' reach
        // too (but for interfaces): their call sites are all here.
        let internal = !super::is_exported(&m.name) || !super::is_exported(&r.type_name);
        if internal && sites.get(&key).is_some_and(|s| !s.is_empty()) {
            held.insert(key);
        }
    }
    // Methods whose own doc or name says the caller holds the lock.
    let declared: HashSet<(String, String)> = files
        .iter()
        .flat_map(|f| f.ctxs.iter())
        .filter(|c| c.kind == CtxKind::Func && c.caller_holds_lock)
        .filter_map(|c| c.type_name.clone().zip(c.name.clone()))
        .collect();
    loop {
        let before = held.len();
        let snapshot = held.clone();
        held.retain(|k| {
            sites[k].iter().all(|s| {
                s.held
                    || s.caller
                        .as_ref()
                        .is_some_and(|c| snapshot.contains(c) || declared.contains(c))
            })
        });
        if held.len() == before {
            break;
        }
    }
    held.extend(declared);
    held
}
