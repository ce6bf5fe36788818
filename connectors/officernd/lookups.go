package officernd

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// assignmentTTL is how long the assignments read at the start of a
// memberships stream serve its later pages. A page that finds the index
// older (another worker started the stream, or it stalled) reads it again.
// A page served from the index is as old as the index (its ReadAt).
const assignmentTTL = 10 * time.Minute

// assignmentIndex is every assignment by membership. v2 keeps a
// membership's desk in /assignments, which filters only by a plain
// membership id (record §1.4.4): reading the whole list once per
// memberships stream costs ceil(assignments/50) calls, where asking per
// page or per membership would cost one or fifty a page.
type assignmentIndex struct {
	mu           sync.Mutex
	at           time.Time // filled, by the client's clock (the TTL)
	read         readTime  // its requests' send times (the records' ReadAt)
	byMembership map[string][]assignment
}

// assignments returns the index, read afresh when fresh is set (a stream's
// first page) or when it is missing or old.
func (c *Client) assignments(ctx context.Context, o *op, fresh bool) (map[string][]assignment, error) {
	c.assign.mu.Lock()
	defer c.assign.mu.Unlock()
	if !fresh && c.assign.byMembership != nil && c.now().Sub(c.assign.at) < assignmentTTL {
		o.read.merge(c.assign.read)
		return c.assign.byMembership, nil
	}
	fill := &op{}
	all, err := listAll[assignment](ctx, c, fill, "/assignments", nil)
	o.join(fill)
	if err != nil {
		return nil, err
	}
	c.assign.byMembership, c.assign.at, c.assign.read = groupAssignments(all), c.now(), fill.read
	return c.assign.byMembership, nil
}

// assignmentsOf reads one membership's assignments (a webhook's single
// membership: one call, where the whole index would be many).
func (c *Client) assignmentsOf(ctx context.Context, o *op, membershipID string) ([]assignment, error) {
	return listAll[assignment](ctx, c, o, "/assignments", url.Values{"membership": {membershipID}})
}

func groupAssignments(all []assignment) map[string][]assignment {
	out := map[string][]assignment{}
	for _, a := range all {
		out[a.Membership] = append(out[a.Membership], a)
	}
	return out
}

// visitorCache keeps the visitors one bookings stream has read, so a
// visitor named on many pages is asked for once a stream. It is emptied
// when a stream starts: a visitor's edit reaches doorsync by the next
// full read of bookings.
type visitorCache struct {
	mu   sync.Mutex
	byID map[string]cachedVisitor
}

// cachedVisitor is a visitor and when it was read.
type cachedVisitor struct {
	visitor
	read time.Time
}

// streamVisitors resolves a bookings page's visitors through the cache,
// emptied first on the stream's first page; o.read takes in when each
// cached visitor was read.
func (c *Client) streamVisitors(ctx context.Context, o *op, ids []string, first bool) (map[string]visitor, error) {
	c.visitors.mu.Lock()
	defer c.visitors.mu.Unlock()
	if first || c.visitors.byID == nil {
		c.visitors.byID = map[string]cachedVisitor{}
	}
	var missing []string
	for _, id := range ids {
		if _, ok := c.visitors.byID[id]; !ok {
			missing = append(missing, id)
		}
	}
	fill := &op{}
	fetched, err := c.visitorsOf(ctx, fill, missing)
	o.join(fill)
	if err != nil {
		return nil, err
	}
	for id, v := range fetched {
		c.visitors.byID[id] = cachedVisitor{visitor: v, read: fill.read.time()}
	}
	out := make(map[string]visitor, len(ids))
	for _, id := range ids {
		if v, ok := c.visitors.byID[id]; ok {
			out[id] = v.visitor
			o.read.add(v.read)
		}
	}
	return out, nil
}

// visitorsOf reads the visitors named by ids, 50 to a request through the
// documented _id[$in] filter.
func (c *Client) visitorsOf(ctx context.Context, o *op, ids []string) (map[string]visitor, error) {
	out := map[string]visitor{}
	for chunk := range slices.Chunk(distinct(ids), pageSize) {
		vs, err := listAll[visitor](ctx, c, o, "/visitors", url.Values{"_id[$in]": {strings.Join(chunk, ",")}})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			out[v.ID] = v
		}
	}
	return out, nil
}

// holderEntry is what the cache keeps of a member or company.
type holderEntry struct {
	ID         string `json:"_id"`
	Location   string `json:"location"`
	Company    string `json:"company"`
	ModifiedAt string `json:"modifiedAt"`
	// read is when the entry was read from the platform (a page's or a
	// lookup's request, a webhook's event time); zero when unknown.
	read time.Time
}

// holderCache keeps the members' and companies' locations the members and
// companies streams and webhooks have passed through (they are read before
// passes), so a passes page asks the platform only for holders it has not
// seen. An entry stays until a fresher one replaces it, so a page using it
// is as old as the entry (its ReadAt).
type holderCache struct {
	mu   sync.Mutex
	byID map[string]holderEntry // "member:<id>", "company:<id>"
}

// put keeps e unless the cache holds a fresher copy: one modified later, or
// as modified and read later (a late webhook's payload never replaces a
// newer read).
func (h *holderCache) put(kind string, e holderEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := kind + ":" + e.ID
	if old, ok := h.byID[key]; ok && fresher(old, e) {
		return
	}
	h.byID[key] = e
}

// fresher says a is a newer copy of the object than b.
func fresher(a, b holderEntry) bool {
	ta, okA := parseTime(a.ModifiedAt)
	tb, okB := parseTime(b.ModifiedAt)
	if okA && okB && !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.read.After(b.read)
}

func (h *holderCache) get(kind, id string) (holderEntry, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.byID[kind+":"+id]
	return e, ok
}

// fetchHolders reads the members or companies (path) among ids the cache
// lacks, 50 to a request, only the fields a pass needs.
func (c *Client) fetchHolders(ctx context.Context, o *op, kind, path string, ids []string) error {
	var missing []string
	for _, id := range distinct(ids) {
		if _, ok := c.holders.get(kind, id); !ok {
			missing = append(missing, id)
		}
	}
	for chunk := range slices.Chunk(missing, pageSize) {
		q := url.Values{"_id[$in]": {strings.Join(chunk, ",")}, "$select": {"_id,location,company,modifiedAt"}}
		fill := &op{}
		es, err := listAll[holderEntry](ctx, c, fill, path, q)
		o.join(fill)
		if err != nil {
			return err
		}
		for _, e := range es {
			e.read = fill.read.time()
			c.holders.put(kind, e)
		}
	}
	return nil
}

// holdersOf resolves each pass's holder: its member's location, else its
// company's (the member's company when the member names no location);
// o.read takes in when each entry used was read.
func (c *Client) holdersOf(ctx context.Context, o *op, ps []pass) (map[string]holder, error) {
	ps = slices.DeleteFunc(slices.Clone(ps), func(p pass) bool { return !live(p) })
	var memberIDs []string
	for _, p := range ps {
		if p.Member != "" {
			memberIDs = append(memberIDs, p.Member)
		}
	}
	if err := c.fetchHolders(ctx, o, "member", "/members", memberIDs); err != nil {
		return nil, err
	}
	companyOf := func(p pass) string {
		if p.Member == "" {
			return p.Company
		}
		if m, ok := c.holders.get("member", p.Member); ok && m.Location == "" {
			return firstOf(m.Company, p.Company)
		}
		return ""
	}
	var companyIDs []string
	for _, p := range ps {
		if id := companyOf(p); id != "" {
			companyIDs = append(companyIDs, id)
		}
	}
	if err := c.fetchHolders(ctx, o, "company", "/companies", companyIDs); err != nil {
		return nil, err
	}
	out := map[string]holder{}
	for _, p := range ps {
		if h, ok := c.resolveHolder(p, companyOf(p), &o.read); ok {
			out[p.ID] = h
		}
	}
	return out, nil
}

func (c *Client) resolveHolder(p pass, companyID string, read *readTime) (holder, bool) {
	var h holder
	if p.Member != "" {
		m, ok := c.holders.get("member", p.Member)
		if !ok {
			return h, false
		}
		read.add(m.read)
		h = holder{Location: m.Location, ModifiedAt: m.ModifiedAt}
	}
	if companyID != "" {
		co, ok := c.holders.get("company", companyID)
		if !ok {
			return h, false
		}
		read.add(co.read)
		h.Location = co.Location
		h.ModifiedAt = latestOf(h.ModifiedAt, co.ModifiedAt)
	}
	return h, true
}

func latestOf(a, b string) string {
	if v := version(a, b); v != nil {
		return time.UnixMilli(*v).UTC().Format(timeFormat)
	}
	return ""
}

// timeFormat is OfficeRnD's timestamp layout.
const timeFormat = "2006-01-02T15:04:05.000Z"

func distinct(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
