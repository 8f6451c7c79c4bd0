//! Which mutexes are held at a point of a function.
//!
//! Locks are named by the source text of the mutex expression, normalised
//! (`c.mu`, `s.cache.mu`, and `c.Mutex` for an embedded mutex locked as
//! `c.Lock()`). Along branches, `may` is what some path holds (union at
//! joins) and `must` what every path holds (intersection).

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Locks {
    pub may: BTreeMap<String, Mode>,
    pub must: BTreeMap<String, Mode>,
    /// Locks whose `defer X.Unlock()` has been registered on every path:
    /// held until the function returns, and by deferred calls registered
    /// after it (they run first).
    pub deferred: BTreeSet<String>,
    /// Code whose callers the analysis cannot see (a closure stored for
    /// later): any lock may be held.
    pub unknown: bool,
}

impl Locks {
    pub fn acquire(&mut self, key: &str, mode: Mode) {
        self.may.insert(key.to_string(), mode);
        self.must.insert(key.to_string(), mode);
    }

    pub fn release(&mut self, key: &str) {
        self.may.remove(key);
        self.must.remove(key);
        self.deferred.remove(key);
    }

    pub fn join(&self, other: &Locks) -> Locks {
        let mut may = self.may.clone();
        for (k, m) in &other.may {
            let e = may.entry(k.clone()).or_insert(*m);
            *e = (*e).max(*m);
        }
        let must = self
            .must
            .iter()
            .filter_map(|(k, m)| other.must.get(k).map(|o| (k.clone(), (*m).min(*o))))
            .collect();
        Locks {
            may,
            must,
            deferred: self
                .deferred
                .intersection(&other.deferred)
                .cloned()
                .collect(),
            unknown: self.unknown || other.unknown,
        }
    }

    /// What a deferred call registered now finds held when it runs: the
    /// locks held now whose deferred unlock was registered earlier.
    pub fn at_deferred_run(&self) -> Locks {
        let must: BTreeMap<String, Mode> = self
            .must
            .iter()
            .filter(|(k, _)| self.deferred.contains(*k))
            .map(|(k, m)| (k.clone(), *m))
            .collect();
        Locks {
            may: must.clone(),
            must,
            deferred: BTreeSet::new(),
            unknown: self.unknown,
        }
    }

    /// True when some path reaches this point holding no lock at all (and
    /// the analysis can see every path).
    pub fn unlocked_on_some_path(&self) -> bool {
        !self.unknown && self.must.is_empty()
    }

    pub fn may_hold(&self, key: &str) -> Option<Mode> {
        self.may.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_may_union_and_must_intersection() {
        let mut a = Locks::default();
        a.acquire("c.mu", Mode::Write);
        let b = Locks::default();
        let j = a.join(&b);
        assert_eq!(j.may_hold("c.mu"), Some(Mode::Write));
        assert!(j.must.is_empty());
    }

    #[test]
    fn deferred_calls_see_locks_with_earlier_deferred_unlock() {
        let mut l = Locks::default();
        l.acquire("mu", Mode::Write);
        assert!(l.at_deferred_run().must.is_empty());
        l.deferred.insert("mu".into());
        assert_eq!(l.at_deferred_run().must.get("mu"), Some(&Mode::Write));
    }
}
