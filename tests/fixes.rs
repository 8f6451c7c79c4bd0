//! Every fix a rule offers, applied: the finding it fixes is gone, and the
//! text is what a Go programmer would write.

use mapvet::{Options, Report, check_package_sources};
use std::path::PathBuf;

fn lint(src: &str, opts: &Options) -> Report {
    check_package_sources(
        &PathBuf::from("d"),
        vec![(PathBuf::from("d/a.go"), src.to_string(), true)],
        opts,
    )
}

/// Applies the fix of the first finding of `rule`.
fn fixed(src: &str, rule: &str, opts: &Options) -> String {
    let r = lint(src, opts);
    let f = r
        .findings
        .iter()
        .find(|f| f.diagnostic.rule == rule)
        .expect("a finding");
    let mut edits = f.diagnostic.fix.as_ref().expect("a fix").edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
    let mut out = src.to_string();
    for e in edits {
        out.replace_range(e.span.start..e.span.end, &e.replacement);
    }
    out
}

fn go(minor: u32) -> Options {
    Options {
        go: Some((1, minor)),
        ..Options::default()
    }
}

#[test]
fn nil_map_write_makes_the_map() {
    let src = "package p\n\nfunc f() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}\n";
    let out = fixed(src, "nil-map-write", &Options::default());
    assert!(
        out.contains("var m map[string]int = make(map[string]int)"),
        "{out}"
    );
    assert!(lint(&out, &Options::default()).findings.is_empty());
}

#[test]
fn unsorted_range_iterates_sorted_keys_from_go_1_23() {
    let src = "package p\n\nimport \"fmt\"\n\nfunc f(env map[string]string) {\n\tfor k, v := range env {\n\t\tfmt.Println(k, v)\n\t}\n}\n";
    let out = fixed(src, "unsorted-map-range", &go(23));
    assert!(
        out.contains("for _, k := range slices.Sorted(maps.Keys(env)) {\n\t\tv := env[k]\n"),
        "{out}"
    );
    assert!(
        out.contains("import \"maps\"") && out.contains("import \"slices\""),
        "{out}"
    );
    assert!(lint(&out, &go(23)).findings.is_empty(), "{out}");
    // Before Go 1.23 (or unknown), there is help but no fix.
    let r = lint(src, &go(21));
    assert!(r.findings[0].diagnostic.fix.is_none());
    assert!(
        r.findings[0]
            .diagnostic
            .help
            .as_deref()
            .unwrap()
            .contains("collect the keys")
    );
    // A key type that slices.Sorted cannot order: no fix.
    let src2 = src.replace("map[string]string", "map[[2]int]string");
    assert!(lint(&src2, &go(23)).findings[0].diagnostic.fix.is_none());
}

#[test]
fn dead_deferred_reassignment_is_removed() {
    let src = "package p\n\nfunc f() int {\n\tm := map[string]int{}\n\tdefer func() {\n\t\tm = nil\n\t}()\n\treturn len(m)\n}\n";
    let out = fixed(src, "deferred-map-mutation", &Options::default());
    // The deferred literal held nothing else: the whole `defer` goes.
    assert_eq!(
        out,
        "package p\n\nfunc f() int {\n\tm := map[string]int{}\n\treturn len(m)\n}\n"
    );
    assert!(lint(&out, &Options::default()).findings.is_empty());
    // With other work in the literal, only the assignment goes.
    let src = "package p\n\nimport \"fmt\"\n\nfunc f() int {\n\tm := map[string]int{}\n\tdefer func() {\n\t\tfmt.Println(\"done\")\n\t\tm = nil\n\t}()\n\treturn len(m)\n}\n";
    let out = fixed(src, "deferred-map-mutation", &Options::default());
    assert_eq!(
        out,
        "package p\n\nimport \"fmt\"\n\nfunc f() int {\n\tm := map[string]int{}\n\tdefer func() {\n\t\tfmt.Println(\"done\")\n\t}()\n\treturn len(m)\n}\n"
    );
}

#[test]
fn lost_reassignment_gets_a_pointer_receiver_when_the_others_have_one() {
    let src = "package p\n\ntype C struct {\n\tTags map[string]string\n}\n\nfunc (c *C) Get(k string) string { return c.Tags[k] }\n\nfunc (c C) Reset() {\n\tc.Tags = map[string]string{}\n}\n";
    let out = fixed(src, "struct-copied-map", &Options::default());
    assert!(out.contains("func (c *C) Reset() {"), "{out}");
    assert!(lint(&out, &Options::default()).findings.is_empty());
    // Another value receiver: switching would be a design change, no fix.
    let mixed = src.replace("func (c *C) Get", "func (c C) Get");
    let r = lint(&mixed, &Options::default());
    assert!(r.findings[0].diagnostic.fix.is_none());
}

#[test]
fn unsorted_range_collected_help_names_the_sort_for_the_element_type() {
    let help = |decl: &str, body: &str| {
        let src = format!(
            "package p\n\ntype U struct{{ N string }}\n\ntype ID int\n\nfunc f(m map[{decl}) []{elem} {{\n\tvar s []{elem}\n\tfor k, v := range m {{\n\t\t_, _ = k, v\n\t\ts = append(s, {body})\n\t}}\n\treturn s\n}}\n",
            elem = decl.split(']').nth(1).unwrap_or("string"),
        );
        let r = lint(&src, &go(21));
        let f = r
            .findings
            .first()
            .unwrap_or_else(|| panic!("a finding: {src}"));
        assert!(
            f.diagnostic.message.ends_with("uses them unsorted"),
            "{}",
            f.diagnostic.message
        );
        f.diagnostic.help.clone().unwrap()
    };
    let h = help("string]string", "k");
    assert!(
        h.starts_with("sort s after the loop (slices.Sort(s) or sort.Strings(s))"),
        "{h}"
    );
    let h = help("int]int", "k");
    assert!(
        h.starts_with("sort s after the loop (slices.Sort(s) or sort.Ints(s))"),
        "{h}"
    );
    let h = help("ID]ID", "k");
    assert!(
        h.starts_with("sort s after the loop (slices.Sort(s)),"),
        "{h}"
    );
    let h = help("string]U", "U{k + v.N}");
    assert!(
        h.starts_with("sort s after the loop (slices.SortFunc(s, ...) or sort.Slice(s, ...))"),
        "{h}"
    );
    // Values only: the keys' order is what to follow.
    let h = help("string]U", "v");
    assert!(
        h.starts_with("s holds the map's values, not its keys"),
        "{h}"
    );
    assert!(h.contains("collect the keys"), "{h}");
}

#[test]
fn unsorted_range_fix_imports_inside_the_import_block() {
    let src = "package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\" // for Join\n\n\t\"example.com/x\"\n)\n\nfunc f(env map[string]string) {\n\tfor k, v := range env {\n\t\tfmt.Fprintln(os.Stdout, k, v, x.Y, strings.ToUpper(k))\n\t}\n}\n";
    let out = fixed(src, "unsorted-map-range", &go(23));
    assert!(
        out.starts_with(
            "package p\n\nimport (\n\t\"fmt\"\n\t\"maps\"\n\t\"os\"\n\t\"slices\"\n\t\"strings\" // for Join\n\n\t\"example.com/x\"\n)\n"
        ),
        "{out}"
    );
    // Both after the last standard-library import, in order.
    let src2 = src.replace(
        "\t\"fmt\"\n\t\"os\"\n\t\"strings\" // for Join\n",
        "\t\"errors\"\n\t\"fmt\"\n",
    );
    let src2 = src2.replace(
        "fmt.Fprintln(os.Stdout, k, v, x.Y, strings.ToUpper(k))",
        "fmt.Println(k, v, x.Y, errors.ErrUnsupported)",
    );
    let out = fixed(&src2, "unsorted-map-range", &go(23));
    assert!(
        out.starts_with(
            "package p\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n\t\"maps\"\n\t\"slices\"\n\n\t\"example.com/x\"\n)\n"
        ),
        "{out}"
    );
    // No standard-library import yet: right after the `(`; one already there is kept.
    let src3 = "package p\n\nimport (\n\t\"slices\"\n\n\t\"example.com/x\"\n)\n\nfunc f(env map[string]string, ch chan string) []string {\n\tfor k, v := range env {\n\t\tch <- k + v\n\t}\n\treturn slices.Clone([]string{x.Y})\n}\n";
    let out = fixed(src3, "unsorted-map-range", &go(23));
    assert!(
        out.starts_with(
            "package p\n\nimport (\n\t\"maps\"\n\t\"slices\"\n\n\t\"example.com/x\"\n)\n"
        ),
        "{out}"
    );
}

#[test]
fn unsorted_range_fix_withheld_when_maps_or_slices_is_another_name() {
    let base = "package p\n\nimport \"fmt\"\n\nfunc f(env map[string]string) {\n\tfor k, v := range env {\n\t\tfmt.Println(k, v)\n\t}\n}\n";
    assert!(lint(base, &go(23)).findings[0].diagnostic.fix.is_some());
    let fix_of = |src: &str| {
        let r = lint(src, &go(23));
        let f = r
            .findings
            .iter()
            .find(|f| f.diagnostic.rule == "unsorted-map-range")
            .unwrap_or_else(|| panic!("a finding: {src}"));
        f.diagnostic.fix.is_some()
    };
    // A parameter named maps.
    let param = base.replace(
        "func f(env map[string]string)",
        "func f(env map[string]string, maps []string)",
    );
    assert!(!fix_of(&param));
    // A local variable named slices, elsewhere in the file.
    let local =
        format!("{base}\nfunc g() int {{\n\tslices := []int{{1}}\n\treturn len(slices)\n}}\n");
    assert!(!fix_of(&local));
    // An import alias.
    let alias = base.replace(
        "import \"fmt\"",
        "import (\n\t\"fmt\"\n\tslices \"sort\"\n)\n\nvar _ = slices.Ints",
    );
    assert!(!fix_of(&alias));
    // Another package whose name is maps.
    let other = base.replace(
        "import \"fmt\"",
        "import (\n\t\"fmt\"\n\n\t\"golang.org/x/exp/maps\"\n)\n\nvar _ = maps.Keys[map[int]int]",
    );
    assert!(!fix_of(&other));
    // The standard package used as a qualifier is fine.
    let used = base.replace(
        "import \"fmt\"",
        "import (\n\t\"fmt\"\n\t\"maps\"\n)\n\nvar _ = maps.Clone[map[int]int]",
    );
    assert!(fix_of(&used));
}
