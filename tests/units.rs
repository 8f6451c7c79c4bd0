//! The language server analyzes only the declarations that changed and
//! moves the facts of the others. Over every fixture: the facts assembled
//! that way, after an edit that moves every declaration, equal a fresh
//! analysis of the whole file.

use mapvet::model::units::UnitCache;
use mapvet::model::{Package, ParsedFile, mapstate};
use mapvet::source::SourceFile;
use std::path::Path;

fn package(path: &Path, text: &str) -> Package {
    let source = SourceFile::new(path.into(), "f.go".into(), text.into());
    let file: ParsedFile = mapvet::parse_source(source, true).unwrap().file;
    Package::build("".into(), "p".into(), vec![file])
}

#[test]
fn unit_facts_equal_whole_file_facts_on_every_fixture() {
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "go") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let pkg = package(path, &text);
        let whole = format!("{:#?}", mapstate::analyze_file(&pkg, 0));
        let mut cache = UnitCache::default();
        let sig = mapvet::model::units::model_signature(&pkg);
        let (units, _) = cache.analyze(&pkg, 0, sig);
        assert_eq!(format!("{units:#?}"), whole, "{}", path.display());
        // Two lines after the package clause: every declaration moves.
        let Some(eol) = text.find('\n') else { continue };
        let moved = format!("{}\n// moved\n{}", &text[..eol], &text[eol..]);
        let pkg2 = package(path, &moved);
        let sig2 = mapvet::model::units::model_signature(&pkg2);
        let (units, analyzed) = cache.analyze(&pkg2, 0, sig2);
        // Only the first declaration's leading text changed, unless facts
        // point at nil package maps, which moved.
        assert!(
            analyzed <= 1 || !pkg2.nil_globals.is_empty(),
            "{}: {analyzed} analyzed again",
            path.display()
        );
        assert_eq!(
            format!("{units:#?}"),
            format!("{:#?}", mapstate::analyze_file(&pkg2, 0)),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 50, "only {checked} fixtures");
}
