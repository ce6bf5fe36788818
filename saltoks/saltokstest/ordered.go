package saltokstest

import "sort"

// ordered is a map that remembers insertion order. values() is cached
// between mutations, so paging through a large collection is O(page).
type ordered[T any] struct {
	slots map[string]*slot[T]
	seq   uint64
	cache []T // insertion order; nil when stale
}

type slot[T any] struct {
	v   T
	seq uint64
}

func newOrdered[T any]() *ordered[T] { return &ordered[T]{slots: map[string]*slot[T]{}} }

func (o *ordered[T]) get(k string) (T, bool) {
	s, ok := o.slots[k]
	if !ok {
		var zero T
		return zero, false
	}
	return s.v, true
}

func (o *ordered[T]) has(k string) bool { _, ok := o.slots[k]; return ok }

// put adds k at the end, or replaces its value in place. A new key keeps
// the cache (it goes last), so a large set that only grows is not sorted
// again on every read.
func (o *ordered[T]) put(k string, v T) {
	if s, ok := o.slots[k]; ok {
		s.v = v
		o.cache = nil
		return
	}
	o.seq++
	o.slots[k] = &slot[T]{v: v, seq: o.seq}
	if o.cache != nil {
		o.cache = append(o.cache, v)
	}
}

func (o *ordered[T]) del(k string) bool {
	if _, ok := o.slots[k]; !ok {
		return false
	}
	delete(o.slots, k)
	o.cache = nil
	return true
}

func (o *ordered[T]) len() int { return len(o.slots) }

// values returns the values in insertion order. The slice is shared: do not
// modify it.
func (o *ordered[T]) values() []T {
	if o.cache != nil || len(o.slots) == 0 {
		return o.cache
	}
	ss := make([]*slot[T], 0, len(o.slots))
	for _, s := range o.slots {
		ss = append(ss, s)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].seq < ss[j].seq })
	o.cache = make([]T, len(ss))
	for i, s := range ss {
		o.cache[i] = s.v
	}
	return o.cache
}
