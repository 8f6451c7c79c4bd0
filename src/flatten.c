// Copies a tree-sitter tree into mapvet's flat node array (src/syntax.rs).
//
// Walking the tree through tree-sitter's public cursor costs about a third
// of the parse itself: every step recomputes positions, alias and field
// lookups through a stack. This walk reads the parser's own subtrees
// (tree-sitter's internal headers, from the same vendored source the
// library is built from) and visits each subtree once.
//
// The semantics are the cursor's: hidden nodes are transparent, an alias
// makes a hidden node visible and renames it, a field given to a hidden
// node is inherited by its visible descendants unless they have their own,
// and extras carry no field. src/syntax.rs checks this walk against the
// cursor in its tests.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree_sitter/api.h"
#include "./language.h"
#include "./subtree.h"
#include "./tree.h"

// One node; the layout of `Raw` in src/syntax.rs.
typedef struct {
  uint32_t start;
  uint32_t end;
  uint32_t parent;
  uint32_t first;
  uint32_t nkids;
  uint16_t kind;
  uint16_t field;
  uint8_t flags;
} MvNode;

enum {
  MV_NAMED = 1,
  MV_ERROR = 2,
  MV_MISSING = 4,
  MV_EXTRA = 8,
  MV_HAS_ERROR = 16,
};

// A visible node whose children are still to be listed.
typedef struct {
  Subtree subtree;
  uint32_t index;
  uint32_t start;
} Pending;

// A hidden node being looked through while listing a node's children.
typedef struct {
  Subtree parent;
  const TSSymbol *aliases;
  uint32_t child;
  uint32_t structural;
  uint32_t position;
  uint16_t field;
} Frame;

// `ts_language_public_symbol`, inlined: it runs for every node.
static inline TSSymbol public_symbol(const TSLanguage *lang, TSSymbol sym) {
  return sym == ts_builtin_sym_error ? sym : lang->public_symbol_map[sym];
}

static uint16_t own_field(const TSLanguage *lang, Subtree parent, uint32_t structural) {
  const TSFieldMapEntry *map, *end;
  ts_language_field_map(lang, parent.ptr->production_id, &map, &end);
  for (; map < end; map++) {
    if (!map->inherited && map->child_index == structural) return map->field_id;
  }
  return 0;
}

#define GROW(ptr, len, cap)                                           \
  do {                                                                \
    if ((len) == (cap)) {                                             \
      size_t ncap = (cap) ? (cap) * 2 : 64;                           \
      void *p = realloc((ptr), ncap * sizeof(*(ptr)));                \
      if (!p) goto fail;                                              \
      (ptr) = p;                                                      \
      (cap) = ncap;                                                   \
    }                                                                 \
  } while (0)

// The number of nodes `mv_flatten` writes for the tree of `root`.
uint32_t mv_node_count(TSNode root) {
  Subtree s = *(const Subtree *)root.id;
  return 1 + ts_subtree_visible_descendant_count(s);
}

// Writes the nodes of `root`'s tree into `out` (`mv_node_count` of them):
// `out[0]` is the root, and each node's children are `out[first ..
// first + nkids]`. Returns the number written, or 0 when out of memory.
uint32_t mv_flatten(TSNode root, MvNode *out, uint32_t capacity) {
  const TSLanguage *lang = root.tree->language;
  Subtree top = *(const Subtree *)root.id;
  uint32_t count = 0;
  Pending *work = NULL;
  size_t work_len = 0, work_cap = 0;
  Frame *frames = NULL;
  size_t frames_len = 0, frames_cap = 0;

  if (capacity == 0) return 0;
  {
    MvNode *n = &out[count++];
    memset(n, 0, sizeof(*n));
    n->start = root.context[0];
    n->end = n->start + ts_subtree_size(top).bytes;
    n->parent = UINT32_MAX;
    TSSymbol sym = public_symbol(lang, ts_subtree_symbol(top));
    n->kind = sym;
    n->flags = ts_subtree_named(top) ? MV_NAMED : 0;
    if (sym == ts_builtin_sym_error) n->flags |= MV_ERROR;
    if (ts_subtree_missing(top)) n->flags |= MV_MISSING;
    if (ts_subtree_error_cost(top) > 0) n->flags |= MV_HAS_ERROR;
    if (ts_subtree_child_count(top) > 0) {
      GROW(work, work_len, work_cap);
      work[work_len++] = (Pending){top, 0, n->start};
    }
  }

  while (work_len > 0) {
    Pending p = work[--work_len];
    uint32_t first = count;
    frames_len = 0;
    GROW(frames, frames_len, frames_cap);
    frames[frames_len++] = (Frame){
      p.subtree, ts_language_alias_sequence(lang, p.subtree.ptr->production_id), 0, 0,
      p.start, 0};
    while (frames_len > 0) {
      Frame *f = &frames[frames_len - 1];
      if (f->child == f->parent.ptr->child_count) {
        frames_len--;
        if (frames_len > 0) {
          // The hidden node is done: its parent goes on after it.
          Frame *up = &frames[frames_len - 1];
          up->position = f->position;
        }
        continue;
      }
      const Subtree *siblings = ts_subtree_children(f->parent);
      Subtree child = siblings[f->child];
      // The subtrees are scattered over the heap: reading each is a cache
      // miss, unless asked for one sibling ahead (cargo bench copy/flatten:
      // 1.2 ms without, 0.75 ms with; two or four ahead did worse).
      if (f->child + 1 < f->parent.ptr->child_count) {
        Subtree ahead = siblings[f->child + 1];
        if (!ahead.data.is_inline) __builtin_prefetch(ahead.ptr);
      }
      if (f->child > 0) f->position += ts_subtree_padding(child).bytes;
      uint32_t start = f->position;
      uint32_t end = start + ts_subtree_size(child).bytes;
      bool extra = ts_subtree_extra(child);
      TSSymbol alias = 0;
      if (!extra && f->aliases) alias = f->aliases[f->structural];
      uint16_t field = 0;
      if (!extra) {
        field = own_field(lang, f->parent, f->structural);
        if (!field) field = f->field;
      }
      if (!extra) f->structural++;
      f->child++;
      f->position = end;
      bool visible = ts_subtree_visible(child) || alias;
      if (visible) {
        if (count == capacity) goto fail;
        uint32_t index = count++;
        MvNode *n = &out[index];
        TSSymbol sym = public_symbol(lang, alias ? alias : ts_subtree_symbol(child));
        n->start = start;
        n->end = end;
        n->parent = p.index;
        n->first = 0;
        n->nkids = 0;
        n->kind = sym;
        n->field = field;
        n->flags = 0;
        bool named = alias ? ts_language_symbol_metadata(lang, alias).named : ts_subtree_named(child);
        if (named) n->flags |= MV_NAMED;
        if (sym == ts_builtin_sym_error) n->flags |= MV_ERROR;
        if (ts_subtree_missing(child)) n->flags |= MV_MISSING;
        // tree-sitter's `has_error`: a cost the parser paid to recover,
        // hidden nodes' included (an error token alone costs nothing).
        if (ts_subtree_error_cost(child) > 0) n->flags |= MV_HAS_ERROR;
        if (extra) n->flags |= MV_EXTRA;
        if (ts_subtree_child_count(child) > 0) {
          GROW(work, work_len, work_cap);
          work[work_len++] = (Pending){child, index, start};
        }
      } else if (ts_subtree_child_count(child) > 0) {
        GROW(frames, frames_len, frames_cap);
        f = NULL;  // `frames` may have moved
        frames[frames_len++] = (Frame){
          child, ts_language_alias_sequence(lang, child.ptr->production_id), 0, 0, start,
          extra ? 0 : field};
      }
    }
    out[p.index].first = first;
    out[p.index].nkids = count - first;
  }

  free(work);
  free(frames);
  return count;

fail:
  free(work);
  free(frames);
  return 0;
}
