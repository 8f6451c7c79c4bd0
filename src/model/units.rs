//! Facts per top-level declaration, kept between runs: when one function of
//! a file changes, only it is analyzed again; the facts of the others are
//! moved to where those declarations stand now. Used by the language
//! server, where a keystroke changes one function of a large file.

use super::facts::FileFacts;
use super::mapstate::{analyze_decl, is_analyzed};
use super::{Package, Ty};
use crate::fields::FieldExt;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

#[derive(Default)]
pub struct UnitCache {
    units: HashMap<u64, (Range<usize>, FileFacts)>,
}

impl UnitCache {
    /// The facts of file `file` of `pkg`, as [`super::mapstate::analyze_file`]
    /// computes them, reusing declarations seen in the last call whose text
    /// (with the comments and blank lines before it) is unchanged and
    /// analyzed against the same package model (`model`, a signature of it).
    /// Returns the facts and how many declarations were analyzed anew.
    pub fn analyze(&mut self, pkg: &Package, file: usize, model: u64) -> (FileFacts, usize) {
        let pf = &pkg.files[file];
        let src = pf.text();
        let root = pf.tree.root_node();
        let mut facts = FileFacts::default();
        let mut kept = HashMap::new();
        let mut analyzed = 0;
        let mut gap_start = 0;
        let children: Vec<_> = (0..root.child_count())
            .filter_map(|i| root.child(i))
            .collect();
        for (i, &decl) in children.iter().enumerate() {
            if !decl.is_named() || decl.kind_name() == "comment" {
                continue;
            }
            let start = gap_start;
            gap_start = decl.end_byte();
            if !is_analyzed(decl) {
                continue;
            }
            let mut h = crate::fnv1a(&src.as_bytes()[start..decl.end_byte()]);
            h ^= model.rotate_left(17);
            let range = decl.start_byte()..decl.end_byte();
            let unit = match self.units.remove(&h).or_else(|| kept.remove(&h)) {
                Some((old, unit)) if old.len() == range.len() => (old, unit),
                _ => {
                    analyzed += 1;
                    let mut unit = FileFacts::default();
                    analyze_decl(pkg, src, decl, &children[..i], &mut unit);
                    (range.clone(), unit)
                }
            };
            facts.append_moved(&unit.1, unit.0.clone(), range.start);
            // Kept as computed, with the range it was computed at.
            kept.insert(h, unit);
        }
        self.units = kept;
        (facts, analyzed)
    }
}

/// A hash of what the per-function analysis reads from the package model,
/// without positions (which move with every edit): when it is unchanged,
/// facts computed for an unchanged file still hold.
pub fn model_signature(pkg: &Package) -> u64 {
    // Hash maps iterate in no fixed order: entries are hashed one by one
    // and summed.
    fn one(f: impl FnOnce(&mut DefaultHasher)) -> u64 {
        let mut h = DefaultHasher::new();
        f(&mut h);
        h.finish()
    }
    let mut sum: u64 = 0;
    for t in pkg.types.values() {
        sum = sum.wrapping_add(one(|h| {
            t.name.hash(h);
            hash_ty(&t.ty, h);
        }));
    }
    for v in pkg.vars.values() {
        sum = sum.wrapping_add(one(|h| {
            (&v.name, v.has_value, v.file).hash(h);
            if let Some(t) = &v.ty {
                hash_ty(t, h);
            }
            // Facts point at the declarations of nil package maps: their
            // positions count.
            if pkg.nil_globals.contains(&v.name) {
                (v.spec, v.name_span).hash(h);
            }
        }));
    }
    for (k, ops) in &pkg.lock_helpers {
        sum = sum.wrapping_add(one(|h| {
            k.hash(h);
            for (suffix, mode) in ops {
                (suffix, format!("{mode:?}")).hash(h);
            }
        }));
    }
    let mut h = DefaultHasher::new();
    sum.hash(&mut h);
    for f in &pkg.funcs {
        (&f.name, f.file).hash(&mut h);
        if let Some(r) = &f.receiver {
            (&r.name, &r.type_name, r.pointer).hash(&mut h);
        }
        for t in &f.results {
            hash_ty(t, &mut h);
        }
    }
    let mut nil: Vec<_> = pkg.nil_globals.iter().collect();
    nil.sort();
    nil.hash(&mut h);
    pkg.go_version.hash(&mut h);
    h.finish()
}

fn hash_ty(ty: &Ty, h: &mut DefaultHasher) {
    std::mem::discriminant(ty).hash(h);
    match ty {
        Ty::Map(v, k) => {
            hash_ty(v, h);
            hash_ty(k, h);
        }
        Ty::Named(n) | Ty::Ext(n) => n.hash(h),
        Ty::Pointer(t) | Ty::Slice(t) => hash_ty(t, h),
        Ty::Struct(fields) => {
            for f in fields {
                (&f.name, f.embedded, &f.doc).hash(h);
                hash_ty(&f.ty, h);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ParsedFile;
    use crate::source::SourceFile;

    fn package(text: &str) -> Package {
        let source = SourceFile::new("u.go".into(), "u.go".into(), text.into());
        let file: ParsedFile = crate::parse_source(source, true).unwrap().file;
        Package::build("".into(), "p".into(), vec![file])
    }

    fn whole(pkg: &Package) -> String {
        format!("{:#?}", super::super::mapstate::analyze_file(pkg, 0))
    }

    const SRC: &str = r#"package p

import "sync"

type S struct {
	mu sync.Mutex
	m  map[string]int
}

var global map[string]int

var hook = func(k string) { global[k] = 1 }

// put: the caller holds s.mu.
func (s *S) put(k string) {
	s.m[k] = 1
}

func (s *S) run(keys []string) {
	var local map[string]int
	for _, k := range keys {
		go func() {
			s.m[k]++
			local[k] = 2
		}()
	}
	defer delete(s.m, "x")
}

func printAll(m map[string]int) {
	for k, v := range m {
		println(k, v)
	}
}
"#;

    #[test]
    fn same_facts_as_the_whole_file_analysis() {
        let pkg = package(SRC);
        let mut cache = UnitCache::default();
        let (facts, analyzed) = cache.analyze(&pkg, 0, 1);
        assert_eq!(format!("{facts:#?}"), whole(&pkg));
        assert_eq!(analyzed, 5);
        // Nothing changed: nothing analyzed, same facts.
        let (again, analyzed) = cache.analyze(&pkg, 0, 1);
        assert_eq!(analyzed, 0);
        assert_eq!(format!("{again:#?}"), whole(&pkg));
        // Another model: everything again.
        assert_eq!(cache.analyze(&pkg, 0, 2).1, 5);
    }

    #[test]
    fn moved_declarations_keep_correct_positions() {
        let pkg = package(SRC);
        let mut cache = UnitCache::default();
        cache.analyze(&pkg, 0, 1);
        // Edit the body of `put` (longer by 10 bytes): `run` and
        // `printAll` move, `hook` does not; only `put` is analyzed anew.
        let edited = SRC.replace("s.m[k] = 1\n}", "s.m[k] = 1 + 2 + 3 +4\n}");
        let pkg2 = package(&edited);
        let (facts, analyzed) = cache.analyze(&pkg2, 0, 1);
        assert_eq!(analyzed, 1);
        assert_eq!(format!("{facts:#?}"), whole(&pkg2));
        // A comment added above a function changes that unit only.
        let commented = edited.replace("func printAll", "// printAll prints.\nfunc printAll");
        let pkg3 = package(&commented);
        let (facts, analyzed) = cache.analyze(&pkg3, 0, 1);
        assert_eq!(analyzed, 1);
        assert_eq!(format!("{facts:#?}"), whole(&pkg3));
    }
}
