package saltokstest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// fields maps the OData field names a collection supports ($filter,
// $orderby) to their values. Comparisons ignore case (ASSUMED: SQL Server's
// default collation behind an ASP.NET API).
type fields[T any] map[string]func(T) string

// listQuery is a parsed set of OData options.
type listQuery struct {
	filter      node // nil: everything
	orderBy     []orderKey
	top, skip   int
	inlineCount bool
}

type orderKey struct {
	field string
	desc  bool
}

// parseListQuery reads $filter, $orderby, $top, $skip and $inlinecount.
// Anything it cannot read is 400 1102, as measured for a bad $orderby.
func parseListQuery(v url.Values) (listQuery, *response) {
	var q listQuery
	var err error
	if f := v.Get("$filter"); f != "" {
		if q.filter, err = parseFilter(f); err != nil {
			return q, badQuery("$filter", err)
		}
	}
	if o := v.Get("$orderby"); o != "" {
		if q.orderBy, err = parseOrderBy(o); err != nil {
			return q, badQuery("$orderby", err)
		}
	}
	if q.top, err = nonNegative(v.Get("$top")); err != nil {
		return q, badQuery("$top", err)
	}
	if q.skip, err = nonNegative(v.Get("$skip")); err != nil {
		return q, badQuery("$skip", err)
	}
	switch v.Get("$inlinecount") {
	case "", "none":
	case "allpages":
		q.inlineCount = true
	default:
		return q, badQuery("$inlinecount", fmt.Errorf("unknown value %q", v.Get("$inlinecount")))
	}
	return q, nil
}

func badQuery(option string, err error) *response {
	return errorResponse(http.StatusBadRequest, codeBadQuery, "The query specified in the URI is not valid: "+option+": "+err.Error())
}

func nonNegative(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a non-negative integer", s)
	}
	return n, nil
}

func parseOrderBy(s string) ([]orderKey, error) {
	var keys []orderKey
	for part := range strings.SplitSeq(s, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 {
			return nil, fmt.Errorf("bad clause %q", part)
		}
		k := orderKey{field: words[0]}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fmt.Errorf("bad direction %q", words[1])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// list answers one page of items, after filtering and ordering them, in the
// observed envelope {"items","next_page_link","count"}.
func list[T any](c *call, q listQuery, items []T, f fields[T], wire func(T) any) response {
	match, err := compileFilter(q.filter, f)
	if err != nil {
		return *badQuery("$filter", err)
	}
	if match != nil {
		items = filterItems(items, match)
	}
	if len(q.orderBy) > 0 {
		if items, err = sortItems(items, q.orderBy, f); err != nil {
			return *badQuery("$orderby", err)
		}
	}
	size := c.s.cfg.pageSize
	if q.top > 0 && q.top < size {
		size = q.top
	}
	start := min(q.skip, len(items))
	end := min(start+size, len(items))
	env := envelope{Items: make([]any, 0, end-start)}
	for _, it := range items[start:end] {
		env.Items = append(env.Items, wire(it))
	}
	if end < len(items) {
		link := nextLink(c.r, end)
		env.NextPageLink = &link
	}
	if q.inlineCount {
		n := len(items)
		env.Count = &n
	}
	return jsonResponse(http.StatusOK, env)
}

type envelope struct {
	Items        []any   `json:"items"`
	NextPageLink *string `json:"next_page_link"`
	Count        *int    `json:"count"`
}

// nextLink is the absolute URL of the page starting at skip.
func nextLink(r *http.Request, skip int) string {
	q := r.URL.Query()
	q.Set("$skip", strconv.Itoa(skip))
	return baseURL(r) + r.URL.EscapedPath() + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}

func filterItems[T any](items []T, match func(T) bool) []T {
	var out []T
	for _, it := range items {
		if match(it) {
			out = append(out, it)
		}
	}
	return out
}

func sortItems[T any](items []T, keys []orderKey, f fields[T]) ([]T, error) {
	for _, k := range keys {
		if f[k.field] == nil {
			return nil, fmt.Errorf("unknown field %q", k.field)
		}
	}
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int {
		for _, k := range keys {
			get := f[k.field]
			cmp := strings.Compare(strings.ToLower(get(a)), strings.ToLower(get(b)))
			if k.desc {
				cmp = -cmp
			}
			if cmp != 0 {
				return cmp
			}
		}
		return 0
	})
	return out, nil
}

// The $filter language: expr := term {"and" term}; term := "(" expr ")" |
// "contains(" field "," string ")" | field "eq" literal. Literals are
// '…' strings ('' escapes '), numbers, true, false and null.

type node interface{ isNode() }

type andNode struct{ left, right node }

type eqNode struct {
	field string
	value string
	null  bool
}

type containsNode struct{ field, value string }

func (andNode) isNode()      {}
func (eqNode) isNode()       {}
func (containsNode) isNode() {}

// compileFilter turns a filter into a predicate over T (nil: no filter).
func compileFilter[T any](n node, f fields[T]) (func(T) bool, error) {
	switch n := n.(type) {
	case nil:
		return nil, nil
	case andNode:
		l, err := compileFilter(n.left, f)
		if err != nil {
			return nil, err
		}
		r, err := compileFilter(n.right, f)
		if err != nil {
			return nil, err
		}
		return func(it T) bool { return l(it) && r(it) }, nil
	case eqNode:
		get := f[n.field]
		if get == nil {
			return nil, fmt.Errorf("unknown field %q", n.field)
		}
		return func(it T) bool { return strings.EqualFold(get(it), n.value) }, nil
	case containsNode:
		get := f[n.field]
		if get == nil {
			return nil, fmt.Errorf("unknown field %q", n.field)
		}
		needle := strings.ToLower(n.value)
		return func(it T) bool { return strings.Contains(strings.ToLower(get(it)), needle) }, nil
	}
	return nil, fmt.Errorf("unsupported expression")
}

// parseFilter parses a $filter expression.
func parseFilter(s string) (node, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.done() {
		return nil, fmt.Errorf("unexpected %q", p.peek().text)
	}
	return n, nil
}

type tokenKind int

const (
	tokWord tokenKind = iota
	tokString
	tokNumber
	tokPunct
)

type token struct {
	kind tokenKind
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t':
			i++
		case ch == '(' || ch == ')' || ch == ',':
			toks = append(toks, token{tokPunct, string(ch)})
			i++
		case ch == '\'':
			text, n, err := readString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, text})
			i += n
		case ch == '-' || (ch >= '0' && ch <= '9'):
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789.", s[j]) >= 0 {
				j++
			}
			toks = append(toks, token{tokNumber, s[i:j]})
			i = j
		case isWordByte(ch):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{tokWord, s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", ch)
		}
	}
	return toks, nil
}

func isWordByte(ch byte) bool {
	return ch == '_' || ch == '/' || ch == '.' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
}

// readString reads a quoted literal at the start of s, returning its value
// and the bytes consumed.
func readString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated string")
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) done() bool { return p.pos >= len(p.toks) }

func (p *parser) peek() token {
	if p.done() {
		return token{tokPunct, "end of filter"}
	}
	return p.toks[p.pos]
}

func (p *parser) next() token { t := p.peek(); p.pos++; return t }

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return !p.done() && t.kind == tokWord && strings.EqualFold(t.text, w)
}

func (p *parser) expect(text string) error {
	if t := p.next(); t.kind != tokPunct || t.text != text {
		return fmt.Errorf("expected %q, found %q", text, t.text)
	}
	return nil
}

func (p *parser) expr() (node, error) {
	left, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		right, err := p.term()
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *parser) term() (node, error) {
	t := p.peek()
	switch {
	case t.kind == tokPunct && t.text == "(":
		p.next()
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		return n, p.expect(")")
	case p.isWord("contains"):
		return p.contains()
	case t.kind == tokWord:
		return p.comparison()
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

func (p *parser) contains() (node, error) {
	p.next()
	if err := p.expect("("); err != nil {
		return nil, err
	}
	field := p.next()
	if field.kind != tokWord {
		return nil, fmt.Errorf("contains needs a field, found %q", field.text)
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	value := p.next()
	if value.kind != tokString {
		return nil, fmt.Errorf("contains needs a string, found %q", value.text)
	}
	return containsNode{field: field.text, value: value.text}, p.expect(")")
}

func (p *parser) comparison() (node, error) {
	field := p.next()
	if !p.isWord("eq") {
		return nil, fmt.Errorf("only eq is supported after %q, found %q", field.text, p.peek().text)
	}
	p.next()
	v := p.next()
	switch {
	case v.kind == tokString || v.kind == tokNumber:
		return eqNode{field: field.text, value: v.text}, nil
	case v.kind == tokWord && (strings.EqualFold(v.text, "true") || strings.EqualFold(v.text, "false")):
		return eqNode{field: field.text, value: strings.ToLower(v.text)}, nil
	case v.kind == tokWord && strings.EqualFold(v.text, "null"):
		return eqNode{field: field.text, null: true}, nil
	}
	return nil, fmt.Errorf("bad literal %q", v.text)
}

// emailEq reports the e-mail of a filter that is exactly
// "user/email eq '…'", so the users list can use its index.
func emailEq(n node) (string, bool) {
	eq, ok := n.(eqNode)
	if !ok || eq.null || !strings.EqualFold(eq.field, "user/email") {
		return "", false
	}
	return eq.value, true
}

func boolString(b bool) string { return strconv.FormatBool(b) }
